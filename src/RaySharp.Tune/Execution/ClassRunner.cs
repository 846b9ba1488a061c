namespace RaySharp.Tune.Execution;

/// <summary>Runs a <see cref="Trainable"/> instance: Setup (and Restore) on the first result, one Step per result, Save every N iterations.</summary>
internal sealed class ClassRunner : ITrialRunner
{
    private readonly Trainable _trainable;
    private readonly TrialAssignment _assignment;
    private readonly IterationClock _clock;
    private bool _setUp;

    public ClassRunner(Trainable trainable, TrialAssignment assignment, bool hasParameter, object? parameter, bool reused)
    {
        _trainable = trainable;
        _assignment = assignment;
        _clock = new IterationClock(assignment.StartIteration, assignment.StartTimeTotal);
        var config = new TrialConfig(ConfigValues.FromJson(assignment.ConfigJson));
        trainable.SetParameter(hasParameter, parameter);
        trainable.TrialId = assignment.TrialId;
        trainable.Iteration = assignment.StartIteration;
        trainable.Config = config;
        // A reused instance took the new config in ResetConfig: it is set up already.
        _setUp = reused;
    }

    public TrialStep Next()
    {
        if (!_setUp)
        {
            _trainable.Setup(_trainable.Config);
            _setUp = true;
        }
        if (_assignment.Checkpoint is { } archive)
        {
            _assignment.Checkpoint = null;
            var directory = LocalDirectories.New(_assignment.TrialName);
            try
            {
                CheckpointArchive.Unpack(archive, directory);
                _trainable.Restore(directory);
            }
            finally
            {
                LocalDirectories.Remove(directory);
            }
        }
        _clock.Resume();
        var reported = _trainable.Step() ?? throw new InvalidOperationException($"{_trainable.GetType().Name}.Step returned null; return the iteration's metrics.");
        var metrics = _clock.Complete(reported);
        _trainable.Iteration = _clock.Iteration;
        var frequency = _assignment.CheckpointFrequency;
        return new TrialStep
        {
            Metrics = metrics,
            Checkpoint = frequency > 0 && _clock.Iteration % frequency == 0 ? Save() : null,
            Done = reported.TryGetValue(ResultFields.Done, out var done) && done > 0,
        };
    }

    public byte[]? Save()
    {
        var directory = LocalDirectories.New(_assignment.TrialName);
        try
        {
            Directory.CreateDirectory(directory);
            _trainable.Save(directory);
            return CheckpointArchive.Pack(directory);
        }
        finally
        {
            LocalDirectories.Remove(directory);
        }
    }

    public void Stop() => _trainable.Cleanup();
}
