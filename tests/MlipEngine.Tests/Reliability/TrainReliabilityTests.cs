using MlipEngine.Cli.Commands;
using MlipEngine.Cli.Train;
using MlipEngine.IO.Extxyz;
using MlipEngine.Tests.Cli;
using MlipEngine.Tests.Training;
using Xunit;

namespace MlipEngine.Tests.Reliability;

/// <summary>Issue 19 for training: shipped files, interrupted runs, corrupted checkpoints, resumes on other data.</summary>
public class TrainReliabilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mlip-trainrel-").FullName;
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    private string Config()
    {
        ExtxyzWriter.Write(Path.Combine(_dir, "eam.xyz"), ClassicalData.Make(14, 2));
        string path = Path.Combine(_dir, "train.yaml");
        File.WriteAllText(path, """
            data:
              train: eam.xyz
              validation: {fraction: 0.25, seed: 3}
            model: {cutoff: 4.0, channels: 4, hidden_lmax: 1, sh_lmax: 2, correlation: 2, layers: 2, radial_hidden: [8], readout_hidden: 4}
            loss: {energy: 10, forces: 100, stress: 100}
            optimizer: {type: amsgrad, lr: 0.01, batch_size: 4}
            epochs: 2
            threads: 1
            output: {dir: out}
            """);
        return path;
    }

    // Item 2: the README's training commands wrote over the shipped models; every example now writes
    // into runs/ (ignored by git), never into potentials/.
    [Fact]
    public void ExampleTrainingConfigs_WriteIntoRunsNeverOverShippedModels()
    {
        string repo = TestPaths.Repo, potentials = Path.Combine(repo, "potentials") + Path.DirectorySeparatorChar;
        foreach (var file in Directory.GetFiles(Path.Combine(repo, "examples", "train"), "*.yaml"))
        {
            var root = (Dictionary<string, object?>)MlipEngine.IO.Yaml.YamlTree.Parse(File.ReadAllText(file), file)!;
            var output = (Dictionary<string, object?>)root["output"]!;
            foreach (var key in new[] { "dir", "model" })
            {
                string full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, (string)output[key]!));
                Assert.False(full.StartsWith(potentials, StringComparison.Ordinal), $"{Path.GetFileName(file)}: output.{key} = {full} is in potentials/");
                Assert.StartsWith(Path.Combine(repo, "runs") + Path.DirectorySeparatorChar, full);
            }
        }
        Assert.Contains("runs/", File.ReadAllText(Path.Combine(repo, ".gitignore")));
    }

    // Item 9: an interrupted training run (Ctrl-C, SIGTERM) exits 130 (it used to exit 0), and its
    // checkpoint resumes.
    [Fact]
    public void InterruptedTraining_Exits130AndResumes()
    {
        var cfg = TrainConfigParser.Load(Config(), []);
        using (var cancel = new CancellationTokenSource())
        {
            cancel.Cancel();
            Assert.Equal(130, new TrainRun(cfg, new StringWriter()).Run(null, cancel.Token));
        }
        Assert.Equal(0, TrainCommand.Run(Config(), ["epochs=1"], null, new StringWriter()));
        var console = new StringWriter();
        using (var cancel = new CancellationTokenSource())
        {
            var run = new TrainRun(TrainConfigParser.Load(Config(), ["epochs=3"]), console) { InterruptExitCode = 143 };
            run.Progress = (_, _) => { cancel.Cancel(); return new NoProgress(); };   // stop during the next epoch
            Assert.Equal(143, run.Run(Path.Combine(_dir, "out", "checkpoint.ckpt"), cancel.Token));
        }
        Assert.Contains("resuming from", console.ToString());
        Assert.Contains("--restart", console.ToString());
    }

    private sealed class NoProgress : IWorkProgress
    {
        public void Report(long done, long? total) { }
        public void Dispose() { }
    }

    // Item 7: a training checkpoint with overwritten bytes is refused, naming the file.
    [Fact]
    public void CorruptedTrainingCheckpoint_IsRefused()
    {
        Assert.Equal(0, TrainCommand.Run(Config(), [], null, new StringWriter()));
        string ckpt = Path.Combine(_dir, "out", "checkpoint.ckpt");
        var bytes = File.ReadAllBytes(ckpt);
        for (int k = 0; k < 8; k++) bytes[bytes.Length / 2 + k] ^= 0x33;
        File.WriteAllBytes(ckpt, bytes);
        var e = Assert.ThrowsAny<Exception>(() => TrainCommand.Run(Config(), ["epochs=3"], ckpt, new StringWriter()));
        Assert.Contains("checksum", e.Message);
        Assert.Contains("checkpoint.ckpt", e.Message);
    }

    // Item 8: resuming on other data of the same size is refused (it used to continue without a word).
    [Fact]
    public void ResumeOnOtherDataOfTheSameSize_IsRefused()
    {
        Assert.Equal(0, TrainCommand.Run(Config(), [], null, new StringWriter()));
        string data = Path.Combine(_dir, "eam.xyz");
        var text = File.ReadAllText(data).ToCharArray();
        int digit = Array.FindLastIndex(text, char.IsDigit);
        text[digit] = text[digit] == '1' ? '2' : '1';   // one label digit changed, same size
        File.WriteAllText(data, new string(text));
        // Config() rewrites the data: use the changed file as it is
        string cfg = Path.Combine(_dir, "train.yaml");
        var e = Assert.ThrowsAny<Exception>(() => TrainCommand.Run(cfg, ["epochs=3"], Path.Combine(_dir, "out", "checkpoint.ckpt"), new StringWriter()));
        Assert.Contains("different run", e.Message);
        Assert.Contains("data=", e.Message);
    }
}
