using System.Globalization;

namespace RaySharp.Bench.Fuzz;

/// <summary>Whether a process of the cluster still runs, and how much memory it holds (from /proc).</summary>
public static class ProcessState
{
    /// <summary>True when <paramref name="pid"/> exists and is not a zombie.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // "pid (comm) S ...": the state follows the last ')' (comm may contain spaces and parentheses).
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The resident set of <paramref name="pid"/> in MiB; -1 when it is gone.</summary>
    public static long ResidentMiB(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) >> 10;
        }
        catch (IOException)
        {
            return -1;
        }
    }
}
