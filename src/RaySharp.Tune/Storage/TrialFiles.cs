using System.Globalization;
using System.Text.Json;
using RaySharp.Tune.Execution;

namespace RaySharp.Tune.Storage;

/// <summary>
/// A trial's directory under the experiment's, on the driver's machine: <c>result.json</c> (one JSON object per result,
/// appended as results come, as Ray writes it) and <c>checkpoint_NNNNNN</c> directories unpacked from what trials hand back.
/// </summary>
internal static class TrialFiles
{
    public const string ResultFile = "result.json";

    public static string DirectoryOf(string experimentDirectory, Trial trial) => Path.Combine(experimentDirectory, trial.Name);

    public static void AppendResult(string trialDirectory, IReadOnlyDictionary<string, double> result)
    {
        Directory.CreateDirectory(trialDirectory);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in result)
            {
                writer.WritePropertyName(key);
                if (double.IsFinite(value))
                {
                    writer.WriteNumberValue(value);
                }
                else
                {
                    // JSON has no NaN or infinity: written as strings, as Python's json writes them bare.
                    writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
                }
            }
            writer.WriteEndObject();
        }
        stream.WriteByte((byte)'\n');
        using var file = new FileStream(Path.Combine(trialDirectory, ResultFile), FileMode.Append, FileAccess.Write);
        file.Write(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>The results in a trial's result.json; a last line cut short by a crash is dropped.</summary>
    public static List<IReadOnlyDictionary<string, double>> ReadResults(string trialDirectory)
    {
        var path = Path.Combine(trialDirectory, ResultFile);
        var results = new List<IReadOnlyDictionary<string, double>>();
        if (!File.Exists(path))
        {
            return results;
        }
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }
            try
            {
                using var document = JsonDocument.Parse(line);
                results.Add(document.RootElement.EnumerateObject().ToDictionary(
                    p => p.Name,
                    p => p.Value.ValueKind == JsonValueKind.String ? double.Parse(p.Value.GetString()!, CultureInfo.InvariantCulture) : p.Value.GetDouble(),
                    StringComparer.Ordinal));
            }
            catch (JsonException)
            {
                break;
            }
        }
        return results;
    }

    /// <summary>Unpacks a checkpoint a trial handed back, and removes the oldest beyond <paramref name="numToKeep"/>.</summary>
    public static SavedCheckpoint SaveCheckpoint(string trialDirectory, Trial trial, byte[] archive, int iteration, double timeTotal, int? numToKeep)
    {
        var directory = Path.Combine(trialDirectory, string.Create(CultureInfo.InvariantCulture, $"checkpoint_{iteration:000000}"));
        CheckpointArchive.Unpack(archive, directory);
        var saved = new SavedCheckpoint(directory, iteration, timeTotal);
        trial.Checkpoints.RemoveAll(c => c.Path == directory);
        trial.Checkpoints.Add(saved);
        while (numToKeep is { } keep && trial.Checkpoints.Count > keep)
        {
            LocalDirectoriesRemove(trial.Checkpoints[0].Path);
            trial.Checkpoints.RemoveAt(0);
        }
        return saved;
    }

    /// <summary>Copies another trial's checkpoint into this trial's directory (Population Based Training's exploit).</summary>
    public static SavedCheckpoint CopyCheckpoint(string trialDirectory, Trial trial, SavedCheckpoint from)
    {
        var archive = CheckpointArchive.Pack(from.Path);
        return SaveCheckpoint(trialDirectory, trial, archive, from.Iteration, from.TimeTotal, null);
    }

    private static void LocalDirectoriesRemove(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
