using MlipEngine.IO;

namespace MlipEngine.Discovery.Active;

/// <summary>
/// A frame met during exploration: the structure (with the committee's mean energy and forces and its spread
/// in the frame, as <see cref="Workflows.Evaluation.FrameEvaluator"/> writes them), which replica and step it
/// came from, and its spread.
/// </summary>
public sealed record ExploredFrame(Frame Frame, int Replica, long Step, FrameSpread Spread)
{
    /// <summary>The snapshot at which its replica was halted (spread at or above the halt threshold).</summary>
    public bool Halted { get; init; }
}
