using System.Globalization;

namespace RaySharp.Tests.Integration.Functions;

/// <summary>Streaming generators (Ray's test_streaming_generator.py): functions that yield their results one by one.</summary>
public static class GeneratorFunctions
{
    public static IEnumerable<int> Range(int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return i;
        }
    }

    /// <summary>
    /// Writes how many items it has produced to <paramref name="progressPath"/> before yielding each, so the test
    /// can see from outside how far the generator ran ahead of what it consumed.
    /// </summary>
    public static IEnumerable<int> RangeWithProgress(int count, string progressPath)
    {
        for (var i = 0; i < count; i++)
        {
            WriteAtomically(progressPath, (i + 1).ToString(CultureInfo.InvariantCulture));
            yield return i;
        }
    }

    public static IEnumerable<int> FailAfter(int good)
    {
        for (var i = 0; i < good; i++)
        {
            yield return i;
        }
        throw new InvalidOperationException($"generator failed after {good} items");
    }

    /// <summary>Publishes its worker's pid (each attempt), then yields <paramref name="count"/> items, slowly enough to be killed midway.</summary>
    public static IEnumerable<int> PublishPidThenRange(int count, string pidPath)
    {
        WriteAtomically(pidPath, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        for (var i = 0; i < count; i++)
        {
            yield return i;
        }
    }

    /// <summary>Yields forever; its finally block leaves <paramref name="stoppedPath"/> behind when the generator is stopped.</summary>
    public static IEnumerable<int> Endless(string stoppedPath)
    {
        try
        {
            for (var i = 0; ; i++)
            {
                Thread.Sleep(5);
                yield return i;
            }
        }
        finally
        {
            File.WriteAllText(stoppedPath, "stopped");
        }
    }

    public static IEnumerable<byte[]> LargeItems(int count, int bytes)
    {
        for (var i = 0; i < count; i++)
        {
            var item = new byte[bytes];
            Array.Fill(item, (byte)(i + 1));
            yield return item;
        }
    }

    public static async IAsyncEnumerable<string> AsyncWords(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Delay(1);
            yield return "word" + i.ToString(CultureInfo.InvariantCulture);
        }
    }

    private static void WriteAtomically(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
