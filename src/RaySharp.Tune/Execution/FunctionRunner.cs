using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace RaySharp.Tune.Execution;

/// <summary>
/// Runs a function trainable on a thread of its own and hands its reports over one at a time (Ray's function runner):
/// <see cref="Report"/> parks the function until the driver asks for the next result, so a trial the scheduler stops
/// never runs ahead of the driver's decision.
/// </summary>
internal sealed class FunctionRunner : ITrialRunner
{
    private static readonly TimeSpan s_stopWait = TimeSpan.FromSeconds(10);

    private readonly Action<TrialContext> _function;
    private readonly TrialContext _context;
    private readonly IterationClock _clock;
    private readonly string? _restoredDirectory;
    private readonly BlockingCollection<object> _outbox = new();
    private readonly SemaphoreSlim _resume = new(0);
    private Thread? _thread;
    private bool _waitingForResume;
    private volatile bool _stopping;

    public FunctionRunner(Action<TrialContext> function, TrialAssignment assignment, bool hasParameter, object? parameter)
    {
        _function = function;
        HasParameter = hasParameter;
        Parameter = parameter;
        _clock = new IterationClock(assignment.StartIteration, assignment.StartTimeTotal);
        Checkpoint? checkpoint = null;
        if (assignment.Checkpoint is { } archive)
        {
            _restoredDirectory = LocalDirectories.New(assignment.TrialName);
            CheckpointArchive.Unpack(archive, _restoredDirectory);
            checkpoint = Checkpoint.FromDirectory(_restoredDirectory);
        }
        var config = new TrialConfig(ConfigValues.FromJson(assignment.ConfigJson));
        _context = new TrialContext(this, config, assignment.TrialId, assignment.TrialName, checkpoint);
    }

    public bool HasParameter { get; }

    public object? Parameter { get; }

    public int Iteration => _clock.Iteration;

    public TrialStep Next()
    {
        if (_thread is null)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = $"tune trial {_context.TrialName}" };
            _clock.Resume();
            _thread.Start();
        }
        else if (_waitingForResume)
        {
            _waitingForResume = false;
            _resume.Release();
        }
        var item = _outbox.Take();
        if (item is Exception error)
        {
            ExceptionDispatchInfo.Throw(error);
        }
        var step = (TrialStep)item;
        _waitingForResume = !step.Done;
        return step;
    }

    /// <summary>Called on the function's thread by <see cref="TrialContext.Report"/>.</summary>
    public void Report(IReadOnlyDictionary<string, double> metrics, Checkpoint? checkpoint)
    {
        if (_stopping)
        {
            throw new TrialStoppedSignal();
        }
        var step = new TrialStep
        {
            Metrics = _clock.Complete(metrics),
            Checkpoint = checkpoint is null ? null : CheckpointArchive.Pack(checkpoint.Path),
        };
        _outbox.Add(step);
        _resume.Wait();
        if (_stopping)
        {
            throw new TrialStoppedSignal();
        }
        _clock.Resume();
    }

    public byte[]? Save() => null;

    public void Stop()
    {
        _stopping = true;
        _resume.Release();
        // A function that ignores the signal (catches every exception) is left to finish on its own: a background thread.
        _thread?.Join(s_stopWait);
        LocalDirectories.Remove(_restoredDirectory);
    }

    private void Run()
    {
        try
        {
            _function(_context);
            _outbox.Add(new TrialStep { Done = true });
        }
        catch (TrialStoppedSignal)
        {
        }
        catch (Exception ex)
        {
            _outbox.Add(ex);
        }
    }
}
