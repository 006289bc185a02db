using System.Globalization;
using MlipEngine.Dynamics.Md;
using MlipEngine.ForceFields;
using MlipEngine.IO;
using MlipEngine.Workflows.Evaluation;
using MlipEngine.Workflows.Md;

namespace MlipEngine.Discovery.Active;

/// <summary>
/// The explorer's eye on an <see cref="MdRun"/>: every <see cref="Every"/> steps it evaluates each running
/// replica's snapshot with the committee (one batched call, with the spread), keeps it as a
/// <see cref="ExploredFrame"/>, and halts a replica whose largest force spread reaches <see cref="HaltSpread"/>
/// — the model has left its domain, and what follows would be nonsense (pacemaker halts at γ = 25 for the same
/// reason). A halted replica stands still (<see cref="MdSystem.Halted"/>) while the others go on; when every
/// replica has halted the run stops.
/// </summary>
/// <remarks>
/// The MD itself runs on the committee mean (a conservative potential, see <c>CommitteeForceField</c>); the
/// spread costs one more committee evaluation per observed step, so <see cref="Every"/> = 10 adds ~10 %.
/// The halting snapshot is kept too (marked <see cref="ExploredFrame.Halted"/>): selection drops it as above the
/// trust band, but it shows where the model broke down.
/// </remarks>
public sealed class SpreadMonitor(IForceComputer committee, int every, double haltSpread) : IMdObserver
{
    private readonly FrameEvaluator _evaluator = new(committee);

    public int Every { get; } = every;
    /// <summary>eV/Å; +∞ never halts.</summary>
    public double HaltSpread { get; } = haltSpread;
    public List<ExploredFrame> Candidates { get; } = [];
    /// <summary>Replica index → step at which it was halted.</summary>
    public Dictionary<int, long> HaltedAt { get; } = [];

    public string? Observe(long step, double time, IReadOnlyList<MdSystem> replicas)
    {
        var running = new List<int>();
        for (int r = 0; r < replicas.Count; r++) if (!replicas[r].Halted) running.Add(r);
        if (running.Count == 0) return null;
        var frames = running.Select(r =>
        {
            var f = new Frame(replicas[r].Batch.GetSystem(replicas[r].SystemIndex)) { Index = (int)step };
            f.SetInfo("replica", r); f.SetInfo("step", step);
            return f;
        }).ToList();
        var evaluated = _evaluator.Evaluate(frames).ToList();
        for (int k = 0; k < running.Count; k++)
        {
            int r = running[k];
            var spread = FrameSpread.Of(evaluated[k]);
            bool halt = !(spread.MaxForce < HaltSpread);   // NaN halts too
            Candidates.Add(new ExploredFrame(evaluated[k], r, step, spread) { Halted = halt });
            if (halt) { replicas[r].Halted = true; HaltedAt[r] = step; }
        }
        return replicas.All(s => s.Halted)
            ? string.Create(CultureInfo.InvariantCulture, $"every replica's committee force spread reached the halt threshold {HaltSpread} eV/Å")
            : null;
    }
}
