using System.Globalization;

namespace RaySharp.Bench.Chaos;

/// <summary>
/// A process's pipes and TCP sockets as /proc shows them: its descriptors ("pipe:[inode]", "socket:[inode]")
/// and the namespace's TCP table (/proc/net/tcp, tcp6), enough to tell which descriptors of one process
/// lead to which other processes on this machine.
/// </summary>
public static class ProcSockets
{
    /// <summary>TCP state LISTEN in /proc/net/tcp.</summary>
    public const int Listen = 0x0A;

    /// <summary>TCP state ESTABLISHED in /proc/net/tcp.</summary>
    public const int Established = 0x01;

    /// <summary>One TCP socket of the namespace.</summary>
    public readonly record struct TcpRow(int State, int LocalPort, int RemotePort, long Inode);

    /// <summary>The descriptors of <paramref name="pid"/> that are pipes or sockets, with the inode each names; empty once it has exited.</summary>
    public static List<(int Fd, bool IsPipe, long Inode)> Descriptors(int pid)
    {
        var found = new List<(int, bool, long)>();
        IEnumerable<string> paths;
        try
        {
            paths = Directory.EnumerateFiles($"/proc/{pid}/fd").ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return found;
        }
        foreach (var path in paths)
        {
            string? target;
            try
            {
                target = new FileInfo(path).LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;   // closed meanwhile
            }
            if (target is null)
            {
                continue;
            }
            var pipe = target.StartsWith("pipe:[", StringComparison.Ordinal);
            if (pipe || target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                found.Add((int.Parse(Path.GetFileName(path), CultureInfo.InvariantCulture), pipe,
                    long.Parse(target[(target.IndexOf('[', StringComparison.Ordinal) + 1)..^1], CultureInfo.InvariantCulture)));
            }
        }
        return found;
    }

    /// <summary>Every TCP socket of this network namespace, IPv4 and IPv6.</summary>
    public static List<TcpRow> TcpTable()
    {
        var rows = new List<TcpRow>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }
            // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ..."
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                rows.Add(new TcpRow(int.Parse(f[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture), Port(f[1]), Port(f[2]),
                    long.Parse(f[9], CultureInfo.InvariantCulture)));
            }
        }
        return rows;
    }

    /// <summary>
    /// How many descriptors of <paramref name="pid"/> lead to one of <paramref name="peers"/>: pipes they
    /// share (a child's stdin, stdout, stderr) and loopback TCP connections whose other end they hold.
    /// </summary>
    public static int CountLeadingTo(int pid, IEnumerable<int> peers)
    {
        var peerInodes = peers.SelectMany(Descriptors).Select(d => d.Inode).ToHashSet();
        var tcp = TcpTable();
        // On loopback a connection is its two ports: the far end of (local, remote) is (remote, local).
        var byPorts = tcp.Where(r => r.State == Established).GroupBy(r => (r.LocalPort, r.RemotePort)).ToDictionary(g => g.Key, g => g.Select(r => r.Inode).ToList());
        var byInode = tcp.GroupBy(r => r.Inode).ToDictionary(g => g.Key, g => g.First());
        var count = 0;
        foreach (var (_, isPipe, inode) in Descriptors(pid))
        {
            if (isPipe)
            {
                count += peerInodes.Contains(inode) ? 1 : 0;
            }
            else if (byInode.TryGetValue(inode, out var row) && row.State == Established
                && byPorts.TryGetValue((row.RemotePort, row.LocalPort), out var farEnds) && farEnds.Any(peerInodes.Contains))
            {
                count++;
            }
        }
        return count;
    }

    /// <summary>Pipes <paramref name="pid"/> holds whose other end no other process holds (its own internal pipes, and ends of processes that are gone).</summary>
    public static int PipesWithoutOtherEnd(int pid)
    {
        var others = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var p) ? p : -1)
            .Where(p => p > 0 && p != pid)
            .SelectMany(Descriptors).Where(d => d.IsPipe).Select(d => d.Inode).ToHashSet();
        return Descriptors(pid).Where(d => d.IsPipe).Select(d => d.Inode).Distinct().Count(i => !others.Contains(i));
    }

    private static int Port(string address) => int.Parse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
