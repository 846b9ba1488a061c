using System.Globalization;
using RaySharp.Tune.Storage;

namespace RaySharp.Tune.Execution;

/// <summary>
/// The driver's loop (Ray's TuneController): start trials while the cluster has room, wait for any trial's next result,
/// record it, ask the stop criteria and the scheduler what follows, restart failed trials from their checkpoints, and keep
/// the experiment's state file current. One thread, the caller's; all the trial work runs in the trial actors.
/// </summary>
internal sealed partial class TuneController
{
    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(1);

    private readonly TrainableDefinition _trainable;
    private readonly TuneConfig _tune;
    private readonly RunConfig _run;
    private readonly SearchAlgorithm _search;
    private readonly TrialScheduler _scheduler;
    private readonly string _experimentDirectory;
    private readonly string _tag;
    private readonly List<Trial> _trials;
    private readonly Stack<TrialWorker> _idle = new();
    private readonly ProgressReporter _reporter;
    private bool _dirty = true;
    private bool _failedFast;

    public TuneController(TrainableDefinition trainable, TuneConfig tune, RunConfig run, SearchAlgorithm search, TrialScheduler scheduler,
        string experimentDirectory, string tag, List<Trial> trials)
    {
        _trainable = trainable;
        _tune = tune;
        _run = run;
        _search = search;
        _scheduler = scheduler;
        _experimentDirectory = experimentDirectory;
        _tag = tag;
        _trials = trials;
        _reporter = new ProgressReporter(run.Verbose, tune.Metric, () => _trials, () => _search.TotalTrials);
    }

    public string? Metric => _tune.Metric;

    public void Run()
    {
        Directory.CreateDirectory(_experimentDirectory);
        var capacity = TrialCapacity.Of(_tune);
        try
        {
            _reporter.Run(refresh =>
            {
                while (!_failedFast)
                {
                    StartTrials(capacity);
                    var running = _trials.Where(t => t.InFlight is not null).ToList();
                    SaveStateIfChanged();
                    if (running.Count == 0)
                    {
                        break;
                    }
                    var ready = Ray.Wait(running.Select(t => t.InFlight!).ToList(), numReturns: 1, timeout: s_poll).Ready;
                    foreach (var reference in ready)
                    {
                        Process(running.First(t => ReferenceEquals(t.InFlight, reference)));
                    }
                    SaveStateIfChanged();
                    refresh();
                }
            });
        }
        finally
        {
            // Fail fast (or an exception here) leaves trials running: their actors go, their status stays for Restore.
            foreach (var trial in _trials.Where(t => t.Worker is not null))
            {
                // A trial with a step in flight is killed at once: its stop would queue behind that step (the trial's
                // actor runs one call at a time), and the experiment is ending with an error or fail-fast.
                var running = trial.InFlight is not null;
                trial.InFlight?.Dispose();
                trial.InFlight = null;
                ReleaseWorker(trial, reusable: false, stopFirst: !running);
            }
            while (_idle.TryPop(out var worker))
            {
                worker.Release();
            }
            SaveStateIfChanged();
        }
    }

    public IReadOnlyList<TuneResult> Results() => _trials.Select(t => new TuneResult(t.Id, new TrialConfig(t.Config), t.Status, t.Results.ToList(),
        t.LatestCheckpoint is { } c && Directory.Exists(c.Path) ? Checkpoint.FromDirectory(c.Path) : null,
        TrialFiles.DirectoryOf(_experimentDirectory, t), t.Error, t.NumFailures, t.EarlyStopped)).ToList();

    private void StartTrials(int capacity)
    {
        while (_trials.Count(t => t.Worker is not null) < capacity)
        {
            var pending = _trials.Where(t => t.Status == TrialStatus.Pending).ToList();
            var trial = pending.Count > 0 ? _scheduler.ChooseTrialToRun(pending) : NewTrial();
            if (trial is null)
            {
                return;
            }
            Launch(trial);
        }
    }

    private Trial? NewTrial()
    {
        if (_search.IsFinished)
        {
            return null;
        }
        var id = string.Create(CultureInfo.InvariantCulture, $"{_tag}_{_trials.Count:00000}");
        if (_search.Suggest(id) is not { } config)
        {
            return null;
        }
        var trial = new Trial(id, _trials.Count, config);
        _trials.Add(trial);
        _scheduler.OnTrialAdd(trial);
        _dirty = true;
        return trial;
    }

    private void Launch(Trial trial)
    {
        var worker = _tune.ReuseActors && _idle.TryPop(out var idle) ? idle : NewWorker();
        var checkpoint = trial.LatestCheckpoint;
        var assignment = new TrialAssignment
        {
            TrialId = trial.Id,
            TrialName = trial.Name,
            ConfigJson = ConfigValues.ToJson(trial.Config),
            Checkpoint = checkpoint is null ? null : CheckpointArchive.Pack(checkpoint.Path),
            StartIteration = checkpoint?.Iteration ?? 0,
            StartTimeTotal = checkpoint?.TimeTotal ?? 0,
            CheckpointFrequency = _run.CheckpointConfig.CheckpointFrequency,
        };
        // Start is not waited for: actor calls from one caller run in order, and Next rethrows what Start hit.
        worker.Actor.Task(static (TrialActor actor, TrialAssignment a) => actor.Start(a), assignment).Remote().Dispose();
        trial.Worker = worker;
        trial.InFlight = worker.Actor.Task(static (TrialActor actor) => actor.Next()).Remote();
        trial.Status = TrialStatus.Running;
        _dirty = true;
    }

    private TrialWorker NewWorker()
    {
        var creator = _trainable.NewActor();
        PlacementGroup? group = null;
        if (_tune.ExtraBundlesPerTrial is { } extra)
        {
            group = Ray.PlacementGroup([_tune.ResourcesPerTrial, .. extra], PlacementStrategy.Pack);
            creator.SetSchedulingStrategy(SchedulingStrategy.PlacementGroup(group, 0, captureChildTasks: true));
        }
        foreach (var (name, amount) in _tune.ResourcesPerTrial)
        {
            if (amount > 0)
            {
                creator.SetResource(name, amount);
            }
        }
        return new TrialWorker(creator.Remote(), group);
    }

    private void Process(Trial trial)
    {
        var reference = trial.InFlight!;
        trial.InFlight = null;
        TrialStep step;
        try
        {
            step = Ray.Get(reference);
        }
        catch (RayException ex)
        {
            Fail(trial, ex);
            return;
        }
        finally
        {
            reference.Dispose();
        }
        if (step.Metrics.Count == 0)
        {
            Complete(trial, earlyStopped: false);
            return;
        }
        var result = Record(trial, step);
        CheckMetrics(trial, result);
        if (step.Done)
        {
            Complete(trial, earlyStopped: false);
            return;
        }
        _search.OnTrialResult(trial.Id, trial.Config, result);
        if (_run.Stop?.ShouldStop(trial.Id, result) == true)
        {
            Complete(trial, earlyStopped: false);
            return;
        }
        var decision = _scheduler.OnTrialResult(trial, result, _trials);
        switch (decision.Kind)
        {
            case TrialDecisionKind.Stop:
                Complete(trial, earlyStopped: true);
                break;
            case TrialDecisionKind.Finish:
                Complete(trial, earlyStopped: false);
                break;
            case TrialDecisionKind.Exploit when decision.Donor?.LatestCheckpoint is { } donorCheckpoint:
                Exploit(trial, donorCheckpoint, decision.NewConfig!);
                break;
            default:
                trial.InFlight = trial.Worker!.Actor.Task(static (TrialActor actor) => actor.Next()).Remote();
                break;
        }
    }

    /// <summary>
    /// Ray's strict metric check: a result without the metric the tune config or the scheduler compares trials by ends
    /// the experiment with an error (else a misspelt metric would silently turn early stopping off and leave no best
    /// result); TUNE_DISABLE_STRICT_METRIC_CHECKING=1 turns it off, as in Ray.
    /// </summary>
    private void CheckMetrics(Trial trial, Dictionary<string, double> result)
    {
        if (Environment.GetEnvironmentVariable("TUNE_DISABLE_STRICT_METRIC_CHECKING") == "1")
        {
            return;
        }
        var (metric, where) = _tune.Metric is { } own && !result.ContainsKey(own) ? (own, "TuneConfig.Metric")
            : _scheduler.Metric is { } compared && !result.ContainsKey(compared) ? (compared, _scheduler.GetType().Name)
            : (null, null);
        if (metric is not null)
        {
            var reported = string.Join(", ", result.Keys.Where(k => !ResultFields.IsAutomatic(k)).Order(StringComparer.Ordinal));
            throw new InvalidOperationException(
                $"Trial {trial.Name} reported a result without the metric '{metric}' that {where} expects (it reported: {reported}). "
                + "Make sure its reports include the metric, or set the environment variable TUNE_DISABLE_STRICT_METRIC_CHECKING=1 to go on without it.");
        }
    }

    private Dictionary<string, double> Record(Trial trial, TrialStep step)
    {
        var result = step.Metrics;
        // Seconds since the Unix epoch, to the millisecond (Ray writes whole seconds; benchmarks want finer).
        result["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        trial.Results.Add(result);
        var directory = TrialFiles.DirectoryOf(_experimentDirectory, trial);
        TrialFiles.AppendResult(directory, result);
        if (step.Checkpoint is { } archive)
        {
            trial.LatestCheckpoint = TrialFiles.SaveCheckpoint(directory, trial, archive, (int)result[ResultFields.TrainingIteration],
                result[ResultFields.TimeTotal], _run.CheckpointConfig.NumToKeep);
            _dirty = true;
        }
        _reporter.OnResult(trial, result);
        return result;
    }

    private void Complete(Trial trial, bool earlyStopped)
    {
        if (_run.CheckpointConfig.CheckpointAtEnd && _trainable.Launch.IsClass && trial.Worker is { } worker)
        {
            SaveAtEnd(trial, worker);
        }
        trial.Status = TrialStatus.Terminated;
        trial.EarlyStopped = earlyStopped;
        _scheduler.OnTrialComplete(trial);
        _search.OnTrialComplete(trial.Id, trial.Config, trial.LastResult);
        ReleaseWorker(trial, reusable: true);
        _dirty = true;
    }

    private void SaveAtEnd(Trial trial, TrialWorker worker)
    {
        if (trial.LastResult is not { } last || trial.LatestCheckpoint?.Iteration == (int)last[ResultFields.TrainingIteration])
        {
            return;
        }
        try
        {
            if (Ray.Get(worker.Actor.Task(static (TrialActor actor) => actor.Save()).Remote()) is { } archive)
            {
                trial.LatestCheckpoint = TrialFiles.SaveCheckpoint(TrialFiles.DirectoryOf(_experimentDirectory, trial), trial, archive,
                    (int)last[ResultFields.TrainingIteration], last[ResultFields.TimeTotal], _run.CheckpointConfig.NumToKeep);
            }
        }
        catch (RayException ex)
        {
            _reporter.Warn($"Trial {trial.Name}: the checkpoint at its end failed: {ex.Message}");
        }
    }

    private void Fail(Trial trial, RayException error)
    {
        trial.NumFailures++;
        ReleaseWorker(trial, reusable: false);
        var message = Describe(error);
        var directory = TrialFiles.DirectoryOf(_experimentDirectory, trial);
        Directory.CreateDirectory(directory);
        File.AppendAllText(Path.Combine(directory, "error.txt"), $"Failure {trial.NumFailures} ({DateTimeOffset.UtcNow:O}):\n{error}\n\n");
        var maxFailures = _run.FailureConfig.MaxFailures;
        if (maxFailures == -1 || trial.NumFailures <= maxFailures)
        {
            // Restarts from its latest checkpoint (Ray's max_failures), on a fresh actor.
            trial.Status = TrialStatus.Pending;
            _reporter.Warn($"Trial {trial.Name} failed ({message}); restarting it from {(trial.LatestCheckpoint is { } c ? $"its checkpoint at iteration {c.Iteration}" : "the start")} (failure {trial.NumFailures}).");
        }
        else
        {
            trial.Status = TrialStatus.Error;
            trial.Error = message;
            _scheduler.OnTrialError(trial);
            _search.OnTrialComplete(trial.Id, trial.Config, null);
            _reporter.Warn($"Trial {trial.Name} errored after {trial.NumFailures} failure(s): {message}");
            _failedFast = _run.FailureConfig.FailFast;
        }
        _dirty = true;
    }

    private void Exploit(Trial trial, SavedCheckpoint donorCheckpoint, IReadOnlyDictionary<string, object?> newConfig)
    {
        ReleaseWorker(trial, reusable: true);
        trial.LatestCheckpoint = TrialFiles.CopyCheckpoint(TrialFiles.DirectoryOf(_experimentDirectory, trial), trial, donorCheckpoint);
        trial.Config = newConfig;
        trial.Status = TrialStatus.Pending;
        _dirty = true;
    }

    private void ReleaseWorker(Trial trial, bool reusable, bool stopFirst = true)
    {
        var worker = trial.Worker;
        trial.Worker = null;
        if (worker is null)
        {
            return;
        }
        if (reusable && _tune.ReuseActors)
        {
            _idle.Push(worker);
        }
        else
        {
            worker.Release(stopFirst);
        }
    }

    private void SaveStateIfChanged()
    {
        if (_dirty)
        {
            _dirty = false;
            ExperimentState.Write(_experimentDirectory, _tag, _trainable.Name, _search.Suggested, _trials);
        }
    }

    /// <summary>The user's exception as its type and message (a task error's remote trace stays in error.txt).</summary>
    private static string Describe(RayException error)
    {
        var inner = error.InnerException ?? error;
        var firstLine = inner.Message.Split('\n')[0];
        return $"{inner.GetType().Name}: {firstLine}";
    }
}
