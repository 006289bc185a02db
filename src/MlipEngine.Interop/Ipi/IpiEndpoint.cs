using System.Net;
using System.Net.Sockets;

namespace MlipEngine.Interop.Ipi;

/// <summary>
/// Where an i-PI driver listens: <c>unix:NAME</c> (the socket file /tmp/ipi_NAME, the path i-PI and
/// ASE create) or <c>HOST:PORT</c> on a loopback address. Remote hosts are refused on purpose: the
/// protocol has no authentication, so a force provider only talks to drivers on its own machine.
/// </summary>
public sealed class IpiEndpoint
{
    private IpiEndpoint(EndPoint endPoint, string display) { EndPoint = endPoint; Display = display; }

    public EndPoint EndPoint { get; }
    /// <summary>Human-readable address for messages (e.g. "/tmp/ipi_cu" or "127.0.0.1:31415").</summary>
    public string Display { get; }
    public bool IsUnix => EndPoint is UnixDomainSocketEndPoint;

    /// <summary>Parses <c>unix:NAME</c> or <c>HOST:PORT</c>; throws <see cref="ArgumentException"/> with a one-line reason.</summary>
    public static IpiEndpoint Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) throw new ArgumentException("--ipi: empty address (use unix:NAME or HOST:PORT)");
        if (text.StartsWith("unix:", StringComparison.Ordinal))
        {
            string name = text[5..];
            if (name.Length == 0 || name.Contains('/')) throw new ArgumentException($"--ipi {text}: NAME must be a plain name (the socket is /tmp/ipi_NAME)");
            string path = "/tmp/ipi_" + name;
            return new IpiEndpoint(new UnixDomainSocketEndPoint(path), path);
        }
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out int port) || port is < 1 or > 65535)
            throw new ArgumentException($"--ipi {text}: expected unix:NAME or HOST:PORT with a port in 1..65535");
        string host = text[..colon].Trim('[', ']');
        IPAddress[] addresses;
        try { addresses = IPAddress.TryParse(host, out var ip) ? [ip] : Dns.GetHostAddresses(host); }
        catch (SocketException e) { throw new ArgumentException($"--ipi {text}: cannot resolve '{host}' ({e.Message})"); }
        foreach (var a in addresses)
            if (IPAddress.IsLoopback(a)) return new IpiEndpoint(new IPEndPoint(a, port), $"{a}:{port}");
        throw new ArgumentException($"--ipi {text}: '{host}' is not a loopback address; only drivers on this machine are served (localhost, 127.0.0.1, ::1, or unix:NAME)");
    }

    /// <summary>
    /// Connects, retrying every 50 ms until <paramref name="timeout"/> (the driver may not be
    /// listening yet). Returns null when no driver accepted within the time.
    /// </summary>
    /// <param name="previous">
    /// For a Unix socket: the <see cref="ServerStamp"/> of the connection that just closed. A driver
    /// that closes (ASE's SocketIOCalculator) closes the client connection before it removes its
    /// socket file, so for a moment the old file still accepts connections that will never be served;
    /// we wait until the file is a different one (a new server bound it).
    /// </param>
    public Socket? Connect(TimeSpan timeout, DateTime? previous = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (IsUnix && previous is DateTime old && CurrentStamp() == old)
            {
                if (DateTime.UtcNow >= deadline) return null;
                Thread.Sleep(20);
                continue;
            }
            var socket = IsUnix
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                DateTime? stamp = IsUnix ? CurrentStamp() : null;
                socket.Connect(EndPoint);
                ServerStamp = stamp ?? DateTime.MinValue;
                return socket;
            }
            catch (SocketException)
            {
                socket.Dispose();
                if (DateTime.UtcNow >= deadline) return null;
                Thread.Sleep(50);
            }
        }
    }

    /// <summary>Modification time (100 ns ticks) of the Unix socket file at the last successful connect: identifies the server.</summary>
    public DateTime ServerStamp { get; private set; }

    private DateTime? CurrentStamp()
    {
        var info = new FileInfo(Display);
        return info.Exists ? info.LastWriteTimeUtc : null;
    }
}
