using System.Collections.Concurrent;
using MlipEngine.ForceFields;

namespace MlipEngine.Dynamics.Relaxation;

/// <summary>
/// Several independent <see cref="BatchRelaxer"/>s, one per worker thread, each with its own
/// single-threaded <see cref="IForceComputer"/>, pulling candidates from one shared stream.
/// </summary>
/// <remarks>
/// On a CPU, candidates of ~20 atoms are too small to thread one force call profitably, and one
/// shared batch rebuilds every system's neighbor list whenever one system needs it. Independent
/// relaxers per core avoid both: each candidate's arithmetic is the same as in a single relaxer (its
/// own filter and optimizer; the force field's summation order does not depend on the batch), so
/// results agree with one worker up to the force field's own per-batch summation order, and outcomes
/// arrive in completion order. With one worker everything runs on the caller's thread.
/// </remarks>
public sealed class ParallelRelaxer : IDisposable
{
    private readonly IForceComputer[] _computers;
    private readonly BatchRelaxer[] _relaxers;
    private readonly bool _ownsComputers;

    /// <summary>One relaxer per computer; <paramref name="ownsComputers"/>: dispose them with this object.</summary>
    public ParallelRelaxer(IReadOnlyList<IForceComputer> computers, RelaxationSettings settings, int maxBatchAtoms,
                           Action<ActiveRelaxation>? observer = null, bool ownsComputers = false)
    {
        if (computers.Count == 0) throw new ArgumentException("at least one force computer is needed", nameof(computers));
        if (observer != null && computers.Count > 1) throw new ArgumentException("an observer needs a single worker", nameof(observer));
        _computers = computers.ToArray();
        _relaxers = _computers.Select(c => new BatchRelaxer(c, settings) { MaxBatchAtoms = maxBatchAtoms, Observer = observer }).ToArray();
        _ownsComputers = ownsComputers;
    }

    public int Workers => _relaxers.Length;
    public long BatchForceCalls => _relaxers.Sum(r => r.BatchForceCalls);
    public long BatchRebuilds => _relaxers.Sum(r => r.BatchRebuilds);
    public long SystemEvaluations => _relaxers.Sum(r => r.SystemEvaluations);
    public long NeighborBuilds => _computers.Sum(c => (long)c.NeighborBuilds);
    /// <summary>Summed over workers (thread-seconds), s.</summary>
    public double ForceSeconds => _relaxers.Sum(r => r.ForceSeconds);
    public double UpdateSeconds => _relaxers.Sum(r => r.UpdateSeconds);

    /// <summary>
    /// Relaxes <paramref name="jobs"/>, yielding outcomes as they finish. The job stream is pulled under
    /// a lock, so its enumeration (and any side effects in it) is never concurrent.
    /// </summary>
    public IEnumerable<RelaxationOutcome> Run(IEnumerable<RelaxationJob> jobs)
    {
        if (_relaxers.Length == 1)
        {
            foreach (var o in _relaxers[0].Run(jobs)) yield return o;
            yield break;
        }
        using var source = jobs.GetEnumerator();
        var gate = new object();
        bool exhausted = false;
        IEnumerable<RelaxationJob> Shared()
        {
            while (true)
            {
                RelaxationJob job;
                lock (gate)
                {
                    if (exhausted || !source.MoveNext()) { exhausted = true; yield break; }
                    job = source.Current;
                }
                yield return job;
            }
        }

        using var outcomes = new BlockingCollection<RelaxationOutcome>();
        using var cancel = new CancellationTokenSource();
        int running = _relaxers.Length;
        Exception? failure = null;
        var threads = new Thread[_relaxers.Length];
        for (int w = 0; w < threads.Length; w++)
        {
            var relaxer = _relaxers[w];
            threads[w] = new Thread(() =>
            {
                try
                {
                    foreach (var o in relaxer.Run(Shared()))
                    {
                        if (cancel.IsCancellationRequested) break;
                        outcomes.Add(o);
                    }
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                    cancel.Cancel();
                    lock (gate) exhausted = true;
                }
                finally { if (Interlocked.Decrement(ref running) == 0) outcomes.CompleteAdding(); }
            }) { IsBackground = true, Name = $"relax-worker-{w}" };
            threads[w].Start();
        }
        try
        {
            foreach (var o in outcomes.GetConsumingEnumerable())
            {
                if (failure != null) break;
                yield return o;
            }
        }
        finally
        {
            // Caller stopped early (or a worker failed): let the workers finish their current step and stop.
            cancel.Cancel();
            lock (gate) exhausted = true;
            while (outcomes.TryTake(out _)) { }
            foreach (var t in threads) { while (!t.Join(10)) while (outcomes.TryTake(out _)) { } }
        }
        if (failure != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
    }

    public void Dispose()
    {
        if (_ownsComputers) foreach (var c in _computers) c.Dispose();
    }
}
