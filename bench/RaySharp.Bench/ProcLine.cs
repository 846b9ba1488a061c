using System.Globalization;

namespace RaySharp.Bench;

/// <summary>Reads the lines of /proc's status-style files ("VmRSS:   123456 kB", "Threads:  27").</summary>
internal static class ProcLine
{
    /// <summary>The first number after the line's label: kB for the memory lines, a count for the others.</summary>
    public static long FirstNumber(string line) =>
        long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
