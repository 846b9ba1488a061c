using System.Globalization;
using RaySharp.Tune.Execution;
using RaySharp.Tune.Storage;

namespace RaySharp.Tune;

/// <summary>
/// Runs a hyperparameter search (Ray's <c>tune.Tuner</c>): <c>new Tuner(trainable, paramSpace, tuneConfig, runConfig).Fit()</c>
/// runs one trial per config the search algorithm proposes — each in an actor of its own, as many at once as the cluster
/// holds — lets the scheduler stop trials early, and returns a <see cref="ResultGrid"/>. Needs <see cref="Ray.Init()"/> first.
/// </summary>
public sealed class Tuner
{
    private readonly TrainableDefinition _trainable;
    private readonly TuneConfig _tune;
    private readonly RunConfig _run;
    private readonly SearchAlgorithm _search;
    private readonly TrialScheduler _scheduler;
    private readonly string _experimentDirectory;
    private readonly string _tag;
    private readonly List<Trial> _trials;
    private int _fitted;

    /// <summary>A search over a function trainable.</summary>
    /// <param name="trainable">A static method or a lambda that captures nothing: it reads <see cref="TrialContext.Config"/> and calls <see cref="TrialContext.Report"/>.</param>
    /// <param name="paramSpace">Hyperparameter name → a constant, a <see cref="Domain"/>, a <see cref="GridSearch"/> or a nested dictionary of these.</param>
    /// <param name="tuneConfig">Metric, mode, samples, search algorithm, scheduler, resources; default: one sample, FIFO, random search, 1 CPU per trial.</param>
    /// <param name="runConfig">Name, storage path, stop criteria, checkpoints, failures.</param>
    /// <exception cref="ArgumentException">The trainable captures variables; the space holds a value of an unsupported type; a config is invalid.</exception>
    public Tuner(Action<TrialContext> trainable, IReadOnlyDictionary<string, object?> paramSpace, TuneConfig? tuneConfig = null, RunConfig? runConfig = null)
        : this(TrainableDefinition.FromFunction(trainable), paramSpace, tuneConfig, runConfig)
    {
    }

    /// <summary>A search over a trainable definition (a class trainable, or one with <see cref="Tune.WithParameters{T}(TrainableDefinition, T)"/>).</summary>
    /// <param name="trainable">The trainable.</param>
    /// <param name="paramSpace">Hyperparameter name → a constant, a <see cref="Domain"/>, a <see cref="GridSearch"/> or a nested dictionary of these.</param>
    /// <param name="tuneConfig">See the other constructor.</param>
    /// <param name="runConfig">See the other constructor.</param>
    /// <exception cref="ArgumentException">The space holds a value of an unsupported type; a config is invalid.</exception>
    public Tuner(TrainableDefinition trainable, IReadOnlyDictionary<string, object?> paramSpace, TuneConfig? tuneConfig = null, RunConfig? runConfig = null)
        : this(trainable, paramSpace, tuneConfig, runConfig, restored: null)
    {
    }

    private Tuner(TrainableDefinition trainable, IReadOnlyDictionary<string, object?> paramSpace, TuneConfig? tuneConfig, RunConfig? runConfig,
        (string Directory, string Tag, int Suggested, List<Trial> Trials)? restored)
    {
        ArgumentNullException.ThrowIfNull(trainable);
        _trainable = trainable;
        _tune = tuneConfig ?? new TuneConfig();
        _run = runConfig ?? new RunConfig();
        _tune.Validate();
        _run.Validate();
        var space = ParamSpace.Parse(paramSpace, nameof(paramSpace));
        _search = _tune.SearchAlgorithm ?? new BasicVariantGenerator();
        _scheduler = _tune.Scheduler ?? new FifoScheduler();
        _scheduler.SetDefaults(_tune.Metric, _tune.Mode);
        _search.Setup(space, _tune.Metric, _tune.Mode, _tune.NumSamples);
        if (restored is { } r)
        {
            _experimentDirectory = r.Directory;
            _tag = r.Tag;
            _trials = r.Trials;
            Replay(r.Suggested);
        }
        else
        {
            var name = _run.Name ?? DefaultName(trainable.Name);
            var storage = _run.StoragePath ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "raysharp_results");
            _experimentDirectory = Path.GetFullPath(Path.Combine(storage, name));
            _tag = Guid.NewGuid().ToString("N")[..5];
            _trials = [];
        }
    }

    /// <summary>The experiment's directory: <see cref="RunConfig.StoragePath"/>/<see cref="RunConfig.Name"/>.</summary>
    public string ExperimentPath => _experimentDirectory;

    /// <summary>
    /// Runs the experiment to its end and returns every trial's outcome. A trial that fails past its
    /// <see cref="FailureConfig.MaxFailures"/> is in the grid with its error; the call throws only for the experiment itself.
    /// </summary>
    /// <returns>The results.</returns>
    /// <exception cref="InvalidOperationException">Ray is not initialized, or Fit was called before on this tuner.</exception>
    /// <exception cref="ArgumentException">A trial needs more resources than the cluster has.</exception>
    public ResultGrid Fit()
    {
        if (!Ray.IsInitialized)
        {
            throw new InvalidOperationException("Tuner.Fit runs trials on a cluster: call Ray.Init() first.");
        }
        if (Interlocked.Exchange(ref _fitted, 1) != 0)
        {
            throw new InvalidOperationException("Fit was already called on this Tuner; make a new one, or Tuner.Restore the experiment.");
        }
        var controller = new TuneController(_trainable, _tune, _run, _search, _scheduler, _experimentDirectory, _tag, _trials);
        controller.Run();
        return new ResultGrid(controller.Results(), _experimentDirectory, _tune.Metric, _tune.Mode);
    }

    /// <summary>
    /// Resumes an experiment whose driver stopped before it ended — a crash, a kill (Ray's <c>Tuner.restore</c>): trials that
    /// finished (or errored) keep their results and are not run again; the others restart from their latest checkpoints; the
    /// search goes on from the configs it had proposed (a seeded search proposes the same ones it would have).
    /// </summary>
    /// <param name="path">The experiment's directory (<see cref="ExperimentPath"/>).</param>
    /// <param name="trainable">The same trainable as before.</param>
    /// <param name="paramSpace">The same param space as before.</param>
    /// <param name="tuneConfig">The same tune config as before (fresh scheduler and search objects: they are replayed from the trials' results).</param>
    /// <param name="runConfig">Stop criteria, checkpoints, failures, verbosity; its name and storage path are taken from <paramref name="path"/>.</param>
    /// <returns>A tuner whose <see cref="Fit"/> finishes the experiment.</returns>
    /// <exception cref="ArgumentException">The directory holds no experiment state.</exception>
    public static Tuner Restore(string path, Action<TrialContext> trainable, IReadOnlyDictionary<string, object?> paramSpace,
        TuneConfig? tuneConfig = null, RunConfig? runConfig = null) =>
        Restore(path, TrainableDefinition.FromFunction(trainable), paramSpace, tuneConfig, runConfig);

    /// <summary>As <see cref="Restore(string, Action{TrialContext}, IReadOnlyDictionary{string, object?}, TuneConfig?, RunConfig?)"/>, for a trainable definition.</summary>
    /// <param name="path">The experiment's directory.</param>
    /// <param name="trainable">The same trainable as before.</param>
    /// <param name="paramSpace">The same param space as before.</param>
    /// <param name="tuneConfig">The same tune config as before.</param>
    /// <param name="runConfig">Stop criteria, checkpoints, failures, verbosity.</param>
    /// <returns>A tuner whose <see cref="Fit"/> finishes the experiment.</returns>
    public static Tuner Restore(string path, TrainableDefinition trainable, IReadOnlyDictionary<string, object?> paramSpace,
        TuneConfig? tuneConfig = null, RunConfig? runConfig = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetFullPath(path);
        var (tag, _, suggested, trials) = ExperimentState.Read(directory);
        foreach (var trial in trials.Where(t => t.Status is TrialStatus.Running or TrialStatus.Pending))
        {
            trial.Status = TrialStatus.Pending;
        }
        return new Tuner(trainable, paramSpace, tuneConfig, runConfig, (directory, tag, suggested, trials));
    }

    /// <summary>Whether a directory holds an experiment that <see cref="Restore(string, TrainableDefinition, IReadOnlyDictionary{string, object?}, TuneConfig?, RunConfig?)"/> can resume.</summary>
    /// <param name="path">The directory.</param>
    /// <returns>True when it holds an experiment state file.</returns>
    public static bool CanRestore(string path) => File.Exists(Path.Combine(path, ExperimentState.FileName));

    /// <summary>Brings a fresh scheduler and search back to where the interrupted experiment left them, from its trials' results.</summary>
    private void Replay(int suggested)
    {
        _search.Skip(suggested);
        foreach (var trial in _trials.OrderBy(t => t.Index))
        {
            _scheduler.OnTrialAdd(trial);
            foreach (var result in trial.Results)
            {
                _scheduler.OnTrialResult(trial, result, _trials);
                _search.OnTrialResult(trial.Id, trial.Config, result);
            }
            if (trial.Status == TrialStatus.Terminated)
            {
                _scheduler.OnTrialComplete(trial);
                _search.OnTrialComplete(trial.Id, trial.Config, trial.LastResult);
            }
            else if (trial.Status == TrialStatus.Error)
            {
                _search.OnTrialComplete(trial.Id, trial.Config, null);
            }
        }
    }

    private static string DefaultName(string trainable)
    {
        var clean = new string(trainable.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray()).Trim('_');
        return string.Create(CultureInfo.InvariantCulture, $"{(clean.Length == 0 ? "trainable" : clean)}_{DateTime.Now:yyyy-MM-dd_HH-mm-ss}");
    }
}
