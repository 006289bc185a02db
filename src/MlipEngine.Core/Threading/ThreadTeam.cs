using System.Diagnostics;

namespace MlipEngine.Threading;

/// <summary>
/// A fixed team of threads for short, frequent parallel regions (a force call of a 32,000-atom MD step
/// takes a few ms and has several phases). <see cref="Run"/> hands member t of the team body(t), the
/// caller being member 0; <see cref="Barrier"/> synchronises the members inside a region, so one
/// dispatch can hold several dependent phases (each thread works on its own atom range between barriers).
/// </summary>
/// <remarks>
/// <para>Why not <c>Parallel.For</c>: it queues work to the thread pool, whose sleeping workers take tens
/// of µs to wake on a virtual machine, per region. Here the workers are dedicated, spin for a short
/// while after each region (the next one usually follows within microseconds), and only then block; a
/// barrier is one interlocked increment and a spin on a shared word.</para>
/// <para>Waits spin with <see cref="Thread.SpinWait(int)"/> and, when the machine is oversubscribed, give
/// the core away with <see cref="Thread.Yield"/> (never <c>Sleep(1)</c>, whose ~1 ms would dwarf a phase).</para>
/// <para>Work assignment is static (member t always gets t), so results that depend on it are
/// deterministic for a given team size. Regions do not nest. An exception in a member is rethrown by
/// <see cref="Run"/>; members waiting at a barrier then leave it by throwing too.</para>
/// </remarks>
public sealed class ThreadTeam : IDisposable
{
    /// <summary>How long an idle worker spins for the next region before it blocks.</summary>
    private static readonly long IdleSpinTicks = Stopwatch.Frequency / 5000;   // 200 µs

    private readonly Shared _shared;

    public ThreadTeam(int size) { Size = Math.Max(1, size); _shared = new Shared(Size); }

    /// <summary>Number of members (the calling thread included).</summary>
    public int Size { get; }

    /// <summary>Runs body(t) for t = 0 … Size−1, member 0 on the calling thread; returns when all are done.</summary>
    public void Run(Action<int> body)
    {
        if (Size == 1) { body(0); return; }
        _shared.Run(body);
    }

    /// <summary>
    /// Runs item(c) for c = 0 … count−1 spread over the team by an atomic counter (dynamic scheduling, for
    /// items of uneven cost whose results do not depend on which member ran them).
    /// </summary>
    public void RunDynamic(int count, Action<int> item)
    {
        if (Size == 1 || count <= 1) { for (int c = 0; c < count; c++) item(c); return; }
        _next = -1;
        Run(_ =>
        {
            int c;
            while ((c = Interlocked.Increment(ref _next)) < count) item(c);
        });
    }

    private int _next;

    /// <summary>Waits until every member of the running region has reached this call (call it from all of them).</summary>
    public void Barrier()
    {
        if (Size == 1) return;
        _shared.Barrier();
    }

    public void Dispose() { _shared.Stop(); GC.SuppressFinalize(this); }

    ~ThreadTeam() => _shared.Stop();

    /// <summary>State shared with the workers (they hold no reference to the team, so an undisposed team is still collected).</summary>
    private sealed class Shared
    {
        private readonly int _size;
        private Thread[]? _workers;
        private SemaphoreSlim[] _wake = [];
        private int[] _sleeping = [];
        private Action<int>? _body;
        private int _generation;      // incremented per region
        private int _pending;         // workers still in the current region
        private int _arrived;         // barrier: members arrived
        private int _sense;           // barrier: flips when all arrived
        private volatile Exception? _error;
        private volatile bool _stopped;

        public Shared(int size) { _size = size; }

        public void Run(Action<int> body)
        {
            if (_stopped) throw new ObjectDisposedException(nameof(ThreadTeam));
            EnsureWorkers();
            if (_error != null) { _error = null; _arrived = 0; }   // a failed region may have left a barrier half-counted
            _body = body;
            Volatile.Write(ref _pending, _size - 1);
            Interlocked.Increment(ref _generation);   // publishes _body and _pending
            for (int w = 0; w < _size - 1; w++)
                if (Interlocked.Exchange(ref _sleeping[w], 0) == 1) _wake[w].Release();
            try { body(0); }
            catch (Exception e) { _error ??= e; }
            var spin = new SpinCounter();
            while (Volatile.Read(ref _pending) != 0) spin.Once();
            _body = null;
            if (_error is { } err) { _arrived = 0; System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(err); }
        }

        public void Barrier()
        {
            int sense = Volatile.Read(ref _sense);
            if (Interlocked.Increment(ref _arrived) == _size)
            {
                _arrived = 0;
                Volatile.Write(ref _sense, sense ^ 1);
                return;
            }
            var spin = new SpinCounter();
            while (Volatile.Read(ref _sense) == sense)
            {
                if (_error != null) throw new OperationCanceledException("another member of the thread team failed", _error);
                spin.Once();
            }
        }

        public void Stop()
        {
            if (_stopped) return;
            _stopped = true;
            if (_workers == null) return;
            Interlocked.Increment(ref _generation);
            for (int w = 0; w < _wake.Length; w++)
                if (Interlocked.Exchange(ref _sleeping[w], 0) == 1) _wake[w].Release();
        }

        private void EnsureWorkers()
        {
            if (_workers != null) return;
            _wake = new SemaphoreSlim[_size - 1];
            _sleeping = new int[_size - 1];
            _workers = new Thread[_size - 1];
            for (int w = 0; w < _size - 1; w++)
            {
                _wake[w] = new SemaphoreSlim(0);
                int member = w + 1;
                // read here, before the first region is published: the worker waits for the next generation
                int generation = Volatile.Read(ref _generation);
                _workers[w] = new Thread(() => Work(member, generation)) { IsBackground = true, Name = $"mlip-team-{member}" };
            }
            foreach (var t in _workers) t.Start();
        }

        private void Work(int member, int seen)
        {
            int w = member - 1;
            while (true)
            {
                long start = Stopwatch.GetTimestamp();
                var spin = new SpinCounter();
                while (Volatile.Read(ref _generation) == seen)
                {
                    if (Stopwatch.GetTimestamp() - start < IdleSpinTicks) { spin.Once(); continue; }
                    Interlocked.Exchange(ref _sleeping[w], 1);   // a full fence: the generation is read after the flag is visible
                    if (Volatile.Read(ref _generation) != seen)
                    {
                        // published meanwhile: either we withdraw our sleep flag, or the publisher took it and released
                        if (Interlocked.Exchange(ref _sleeping[w], 0) == 0) _wake[w].Wait();
                        break;
                    }
                    _wake[w].Wait();
                    break;
                }
                // the next region cannot be published before this one is done, so this is the one we woke for
                seen = Volatile.Read(ref _generation);
                if (_stopped) return;
                var body = _body;
                try { body?.Invoke(member); }
                catch (Exception e) { _error ??= e; }
                Interlocked.Decrement(ref _pending);
            }
        }
    }

    /// <summary>Spin a little, then yield the core to other runnable threads.</summary>
    private struct SpinCounter
    {
        private int _count;
        public void Once()
        {
            if (++_count < 64) Thread.SpinWait(20);
            else Thread.Yield();
        }
    }
}
