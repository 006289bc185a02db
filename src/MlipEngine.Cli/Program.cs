using System.CommandLine;
using MlipEngine.Cli;
using MlipEngine.Cli.Commands;
using MlipEngine.IO;
using MlipEngine.Potentials;

var root = new RootCommand("mlip — machine-learned interatomic potentials and molecular dynamics");
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(MdCommand.Create());
root.Subcommands.Add(RelaxCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(ModelCommand.Create());
root.Subcommands.Add(TestCommand.Create());
root.Subcommands.Add(TrainCommand.Create());

try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (Describe(e) is string message)
{
    Console.Error.WriteLine($"error: {message}");
    return e is UsageException ? 2 : e is MdStopException ? 3 : 1;
}

// One line for anything the user can fix; a stack trace only for bugs.
static string? Describe(Exception e) => e switch
{
    UsageException or MdStopException or StructureFormatException or PotentialFileException or EvaluationException
        or FormatException or FileNotFoundException or DirectoryNotFoundException or NotSupportedException
        or MlipEngine.ForceFields.ComputeBackendException or MlipEngine.Training.Data.TrainingDataException => e.Message,
    ArgumentException a => a.Message,
    IOException io => io.Message,
    UnauthorizedAccessException u => u.Message,
    _ => null,
};
