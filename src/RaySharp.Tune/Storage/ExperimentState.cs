using System.Text.Json;
using RaySharp.Tune.Execution;

namespace RaySharp.Tune.Storage;

/// <summary>
/// The experiment's state file, <c>experiment_state.json</c> in its directory (Ray's experiment checkpoint): each
/// trial's config, status, failures and latest checkpoint, and how many configs the search proposed. Rewritten whole
/// (to a temp file, then renamed) whenever a trial changes, so a driver killed at any moment leaves a readable file, and
/// <c>Tuner.Restore</c> resumes from it: finished trials stay finished, the others restart from their checkpoints.
/// </summary>
internal static class ExperimentState
{
    public const string FileName = "experiment_state.json";
    private const int Version = 1;

    public static void Write(string experimentDirectory, string tag, string trainable, int suggested, IEnumerable<Trial> trials)
    {
        var path = Path.Combine(experimentDirectory, FileName);
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", Version);
            writer.WriteString("tag", tag);
            writer.WriteString("trainable", trainable);
            writer.WriteNumber("suggested", suggested);
            writer.WriteStartArray("trials");
            foreach (var trial in trials)
            {
                writer.WriteStartObject();
                writer.WriteString("id", trial.Id);
                writer.WriteNumber("index", trial.Index);
                writer.WritePropertyName("config");
                ConfigValues.Write(writer, trial.Config);
                writer.WriteString("status", trial.Status.ToString().ToUpperInvariant());
                writer.WriteNumber("num_failures", trial.NumFailures);
                writer.WriteBoolean("early_stopped", trial.EarlyStopped);
                if (trial.Error is not null)
                {
                    writer.WriteString("error", trial.Error);
                }
                writer.WriteStartArray("checkpoints");
                foreach (var checkpoint in trial.Checkpoints)
                {
                    writer.WriteStartObject();
                    writer.WriteString("path", Path.GetRelativePath(experimentDirectory, checkpoint.Path));
                    writer.WriteNumber("iteration", checkpoint.Iteration);
                    writer.WriteNumber("time_total_s", checkpoint.TimeTotal);
                    writer.WriteBoolean("latest", ReferenceEquals(checkpoint, trial.LatestCheckpoint));
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads a state file back: the tag, trainable name, proposed count and trials (results from each trial's result.json).</summary>
    public static (string Tag, string Trainable, int Suggested, List<Trial> Trials) Read(string experimentDirectory)
    {
        var path = Path.Combine(experimentDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"{experimentDirectory} holds no {FileName}: it is not an experiment directory RaySharp.Tune wrote.", nameof(experimentDirectory));
        }
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        if (root.GetProperty("version").GetInt32() != Version)
        {
            throw new ArgumentException($"{path} has version {root.GetProperty("version")}, this RaySharp.Tune reads version {Version}.", nameof(experimentDirectory));
        }
        var trials = new List<Trial>();
        foreach (var t in root.GetProperty("trials").EnumerateArray())
        {
            var config = ConfigValues.Read(t.GetProperty("config")) as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>();
            var trial = new Trial(t.GetProperty("id").GetString()!, t.GetProperty("index").GetInt32(), config)
            {
                Status = Enum.Parse<TrialStatus>(t.GetProperty("status").GetString()!, ignoreCase: true),
                NumFailures = t.GetProperty("num_failures").GetInt32(),
                EarlyStopped = t.GetProperty("early_stopped").GetBoolean(),
                Error = t.TryGetProperty("error", out var error) ? error.GetString() : null,
            };
            foreach (var c in t.GetProperty("checkpoints").EnumerateArray())
            {
                var saved = new SavedCheckpoint(Path.Combine(experimentDirectory, c.GetProperty("path").GetString()!), c.GetProperty("iteration").GetInt32(),
                    c.GetProperty("time_total_s").GetDouble());
                trial.Checkpoints.Add(saved);
                if (c.GetProperty("latest").GetBoolean())
                {
                    trial.LatestCheckpoint = saved;
                }
            }
            trial.Results.AddRange(TrialFiles.ReadResults(TrialFiles.DirectoryOf(experimentDirectory, trial)));
            trials.Add(trial);
        }
        return (root.GetProperty("tag").GetString()!, root.GetProperty("trainable").GetString()!, root.GetProperty("suggested").GetInt32(), trials);
    }
}
