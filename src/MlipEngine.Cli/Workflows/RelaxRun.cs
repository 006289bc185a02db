using MlipEngine.Cli.Commands;
using MlipEngine.Dynamics;
using MlipEngine.Dynamics.CellFilters;
using MlipEngine.Dynamics.Relaxation;
using MlipEngine.ForceFields;
using MlipEngine.Geometry;
using MlipEngine.IO;
using MlipEngine.IO.Extxyz;
using MlipEngine.State;

namespace MlipEngine.Cli.Workflows;

/// <summary>
/// Drives a <see cref="BatchRelaxer"/> over the candidates of a `mlip relax` run: skips what the
/// journal already holds, turns unreadable inputs and outcomes into <see cref="RelaxRecord"/>s and
/// journals each as soon as it is known; optionally writes per-candidate trajectories.
/// </summary>
public sealed class RelaxRun
{
    private readonly RelaxationSettings _settings;
    private readonly RelaxArguments _args;
    private readonly RelaxJournal _journal;
    private readonly Dictionary<long, ExtxyzWriter> _trajectories = new();

    private readonly object _journalGate = new();

    /// <summary>One relaxer per computer (each on its own thread when there are several; see <see cref="ParallelRelaxer"/>); <see cref="Relaxer"/> disposes the computers.</summary>
    public RelaxRun(IReadOnlyList<IForceComputer> computers, RelaxationSettings settings, RelaxArguments args, RelaxJournal journal)
    {
        _settings = settings; _args = args; _journal = journal;
        Relaxer = new ParallelRelaxer(computers, settings, args.BatchAtoms, args.Trajectory != null ? WriteTrajectoryFrame : null, ownsComputers: true);
    }

    public ParallelRelaxer Relaxer { get; }

    public void Execute(IEnumerable<Candidate> candidates, Action<long> reportDone)
    {
        long done = _journal.Finished.Count;
        IEnumerable<RelaxationJob> Jobs()
        {
            foreach (var c in candidates)
            {
                if (_journal.Finished.ContainsKey(c.Index)) continue;
                if (c.Frame == null)
                {
                    lock (_journalGate)  // the job stream is pulled from worker threads (one at a time)
                    {
                        _journal.Append(new RelaxRecord
                        {
                            Index = c.Index, Id = c.Id, Source = c.Source, Frame = c.FrameIndex, Status = "unreadable", Reason = c.Error ?? "unreadable",
                        });
                        reportDone(++done);
                    }
                    continue;
                }
                yield return new RelaxationJob(c.Index, c.Frame.Structure, c);
            }
        }
        try
        {
            foreach (var outcome in Relaxer.Run(Jobs()))
            {
                CloseTrajectory(outcome.Job.Id);
                var record = ToRecord(outcome);
                long now;
                lock (_journalGate) { _journal.Append(record); now = ++done; reportDone(now); }
                if (_args.StopAfter is int stop && now - _journal.Resumed >= stop)
                    throw new RelaxInterruptedException($"stopped after {stop} candidate(s) (test hook)");
            }
        }
        finally
        {
            foreach (var w in _trajectories.Values) w.Dispose();
            _trajectories.Clear();
        }
    }

    private RelaxRecord ToRecord(RelaxationOutcome o)
    {
        var c = (Candidate)o.Job.Tag!;
        var input = c.Frame!;
        var st = o.Final;
        string status = o.Status switch
        {
            RelaxationStatus.Converged => "converged",
            RelaxationStatus.NotConverged => "not_converged",
            _ => "failed",
        };
        string? xyz = null;
        if (st != null && o.Status != RelaxationStatus.Failed)
        {
            var frame = OutputFrame(input, st);
            frame.SetInfo("converged", o.Status == RelaxationStatus.Converged);
            frame.SetInfo("steps", (long)o.Steps);
            frame.SetInfo("force_calls", (long)o.ForceCalls);
            frame.SetInfo("fmax", o.Fmax);
            frame.SetInfo("smax", o.Smax);
            frame.SetInfo("cell_mode", ModeName(o.CellMode));
            frame.SetInfo("relax_status", status);
            if (_settings.CellMode != CellMode.Fixed && o.CellMode != CellMode.Fixed && _settings.Pressure != 0)
            {
                frame.SetInfo("pressure_GPa", _args.PressureGPa);
                frame.SetInfo("enthalpy", st.Energy + _settings.Pressure * st.Cell.Volume);
            }
            xyz = ExtxyzWriter.ToText(frame);
        }
        return new RelaxRecord
        {
            Index = c.Index, Id = c.Id, Source = c.Source, Frame = c.FrameIndex,
            Formula = input.Structure.Formula, Atoms = input.Structure.AtomCount,
            Energy = st?.Energy ?? double.NaN,
            EnergyPerAtom = st != null ? st.Energy / st.AtomCount : double.NaN,
            Volume = st != null && st.Cell.AnyPeriodic ? st.Cell.Volume : double.NaN,
            Steps = o.Steps, ForceCalls = o.ForceCalls, Converged = o.Status == RelaxationStatus.Converged,
            Fmax = o.Fmax, Smax = o.Smax, WallTime = o.WallSeconds, Status = status, Reason = o.Reason, Xyz = xyz,
        };
    }

    private static string ModeName(CellMode m) => m switch
    {
        CellMode.Fixed => "fixed", CellMode.Frechet => "frechet", CellMode.Hydrostatic => "hydrostatic", _ => "constant-volume",
    };

    /// <summary>The input frame's info and per-atom columns with the relaxed structure and its labels.</summary>
    private static Frame OutputFrame(Frame input, SystemState st)
    {
        var r = new Vec3[st.AtomCount];
        for (int i = 0; i < r.Length; i++) r[i] = st.Position(i);
        var structure = new AtomicStructure((int[])st.Numbers.Clone(), r, st.Cell, (double[]?)input.Structure.Masses?.Clone());
        var f = new Frame(structure) { Source = input.Source, Index = input.Index };
        foreach (var kv in input.Info) f.Info.Add(kv);
        foreach (var a in input.Arrays) f.Arrays.Add(a);
        f.Energy = st.Energy;
        var forces = new Vec3[st.AtomCount];
        for (int i = 0; i < forces.Length; i++) forces[i] = st.Force(i);
        f.Forces = forces;
        f.Stress = double.IsFinite(st.Stress[0]) ? (double[])st.Stress.Clone() : null;
        return f;
    }

    private void WriteTrajectoryFrame(ActiveRelaxation r)
    {
        if (!_trajectories.TryGetValue(r.Job.Id, out var w))
        {
            var c = (Candidate)r.Job.Tag!;
            string safe = new string(c.Id.Select(ch => char.IsLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray());
            w = new ExtxyzWriter(Path.Combine(_args.Trajectory!, $"{c.Index:D6}_{safe}.xyz"));
            _trajectories[r.Job.Id] = w;
        }
        var frame = OutputFrame(((Candidate)r.Job.Tag!).Frame!, r.State);
        frame.SetInfo("step", (long)r.Steps);
        frame.SetInfo("fmax", r.Fmax);
        frame.SetInfo("smax", r.Smax);
        w.Write(frame);
    }

    private void CloseTrajectory(long id)
    {
        if (_trajectories.Remove(id, out var w)) w.Dispose();
    }
}
