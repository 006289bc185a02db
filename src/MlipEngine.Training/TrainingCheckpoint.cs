using System.Text;
using MlipEngine.Files;
using MlipEngine.Training.Optimization;

namespace MlipEngine.Training;

/// <summary>
/// Everything a training run needs to continue exactly where it stopped after an epoch: parameters,
/// optimiser moments, EMA shadow, schedule, early-stopping and best-model state. The mini-batch order
/// is a function of (seed, epoch), so no random-generator state is stored. Binary, little-endian,
/// with a SHA-256 trailer, written to a temporary file and renamed (<see cref="ChecksummedFile"/>: a
/// crash never leaves a half-written checkpoint, corruption is refused on reading).
/// </summary>
public sealed record TrainingCheckpoint
{
    private const string Magic = "MLIPTRN4";   // 4: SHA-256 trailer (ChecksummedFile)

    /// <summary>Last completed epoch.</summary>
    public required int Epoch { get; init; }
    /// <summary>Fingerprint of the model shape and the options that must not change on resume.</summary>
    public required string Fingerprint { get; init; }
    public required double[] Parameters { get; init; }
    /// <summary>The model's per-element E0 (eV): not a trained parameter, but set (and re-centred) when the run began.</summary>
    public required double[] E0 { get; init; }
    public required AdamState Adam { get; init; }
    public ExponentialMovingAverageState? Ema { get; init; }
    public required LearningRateScheduleState Schedule { get; init; }
    public EarlyStoppingState? EarlyStopping { get; init; }
    public required double BestValidationLoss { get; init; }
    public required int BestEpoch { get; init; }
    public required double[] BestParameters { get; init; }
    /// <summary>Wall time spent training so far, s (for the time budget).</summary>
    public required double Seconds { get; init; }
    /// <summary>The epoch stage two began, or −1 if it has not.</summary>
    public int StageTwoEpoch { get; init; } = -1;

    public void Write(string path) => ChecksummedFile.Write(path, w =>
    {
        {
            w.Write(Encoding.ASCII.GetBytes(Magic));
            w.Write(Epoch); w.Write(Fingerprint); w.Write(Seconds);
            WriteArray(w, Parameters);
            WriteArray(w, E0);
            w.Write(Adam.Step); WriteArray(w, Adam.FirstMoment); WriteArray(w, Adam.SecondMoment);
            w.Write(Adam.MaxSecondMoment is not null); if (Adam.MaxSecondMoment is not null) WriteArray(w, Adam.MaxSecondMoment);
            w.Write(Ema is not null); if (Ema is not null) { WriteArray(w, Ema.Shadow); w.Write(Ema.UpdateCount); }
            w.Write(Schedule.PlateauLearningRate); w.Write(Schedule.BestLoss); w.Write(Schedule.BadEpochs);
            w.Write(Schedule.CooldownRemaining); w.Write(Schedule.Reductions);
            w.Write(EarlyStopping is not null);
            if (EarlyStopping is not null) { w.Write(EarlyStopping.BestEpoch); w.Write(EarlyStopping.BestLoss); w.Write(EarlyStopping.EpochsWithoutImprovement); }
            w.Write(BestValidationLoss); w.Write(BestEpoch); WriteArray(w, BestParameters);
            w.Write(StageTwoEpoch);
        }
    });

    public static TrainingCheckpoint Read(string path)
    {
        try
        {
            using var r = ChecksummedFile.Open(path, "training checkpoint");
            if (Encoding.ASCII.GetString(r.ReadBytes(Magic.Length)) != Magic) throw new InvalidDataException($"{path}: not an mlip training checkpoint (or one written by an older version)");
            int epoch = r.ReadInt32(); string fp = r.ReadString(); double seconds = r.ReadDouble();
            var p = ReadArray(r);
            var e0 = ReadArray(r);
            var adam = new AdamState(r.ReadInt64(), ReadArray(r), ReadArray(r), r.ReadBoolean() ? ReadArray(r) : null);
            ExponentialMovingAverageState? ema = r.ReadBoolean() ? new ExponentialMovingAverageState(ReadArray(r), r.ReadInt64()) : null;
            var schedule = new LearningRateScheduleState(r.ReadDouble(), r.ReadDouble(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
            EarlyStoppingState? early = r.ReadBoolean() ? new EarlyStoppingState(r.ReadInt32(), r.ReadDouble(), r.ReadInt32()) : null;
            double best = r.ReadDouble(); int bestEpoch = r.ReadInt32(); var bestP = ReadArray(r);
            int stageTwoEpoch = r.ReadInt32();
            return new TrainingCheckpoint
            {
                Epoch = epoch, Fingerprint = fp, Seconds = seconds, Parameters = p, E0 = e0, Adam = adam, Ema = ema, Schedule = schedule,
                EarlyStopping = early, BestValidationLoss = best, BestEpoch = bestEpoch, BestParameters = bestP, StageTwoEpoch = stageTwoEpoch,
            };
        }
        catch (EndOfStreamException) { throw new InvalidDataException($"{path}: checkpoint is truncated"); }
    }

    private static void WriteArray(BinaryWriter w, double[] a)
    {
        w.Write(a.Length);
        foreach (double x in a) w.Write(x);
    }

    private static double[] ReadArray(BinaryReader r)
    {
        int n = r.ReadInt32();
        if (n < 0 || n > 1 << 28) throw new InvalidDataException("bad array length in checkpoint");
        var a = new double[n];
        for (int k = 0; k < n; k++) a[k] = r.ReadDouble();
        return a;
    }
}
