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
root.Subcommands.Add(PropertiesCommand.Create());
root.Subcommands.Add(TestCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(SearchCommand.Create());
root.Subcommands.Add(ActiveLearnCommand.Create());
root.Subcommands.Add(OptimizeCommand.Create());

// Exit codes (docs/cli/eval.md#error-messages): 0 ok, 1 error, 2 usage (System.CommandLine's parse
// errors too, which it reports as 1), 3 safety stop or i-PI serve failure, 130 interrupted.
try
{
    var parsed = root.Parse(args);
    int code = parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    return parsed.Errors.Count > 0 ? 2 : code;
}
catch (Exception e) when (Describe(e) is string message)
{
    Console.Error.WriteLine($"error: {message}");
    return e is UsageException ? 2 : e is MdStopException or MlipEngine.Interop.Ipi.IpiException ? 3 : 1;
}

// One line for anything the user can fix; a stack trace only for bugs.
static string? Describe(Exception e) => e switch
{
    UsageException or MdStopException or StructureFormatException or PotentialFileException or EvaluationException
        or FormatException or FileNotFoundException or DirectoryNotFoundException or NotSupportedException
        or MlipEngine.ForceFields.ComputeBackendException or MlipEngine.Workflows.Properties.PropertiesException or MlipEngine.Training.Data.TrainingDataException => e.Message,
    ArgumentException a => a.Message,
    IOException io => io.Message,
    UnauthorizedAccessException u => u.Message,
    _ => null,
};
