namespace RaySharp.Samples;

// Seed example 10: a task that throws. Ray.Get rethrows it as a RayTaskException (the original
// exception is its InnerException), and Ray.ErrorInfo() lists the failures of this driver's tasks.
public static class ErrorHandling
{
    public static void Run(string[] args)
    {
        var failing = Ray.Task(F).Remote();
        try
        {
            Ray.Get(failing);
            throw new SampleFailedException("Expected Ray.Get to throw");
        }
        catch (RayTaskException e)
        {
            Console.WriteLine($"Ray.Get threw {e.GetType().Name} from {e.FunctionName} (pid {e.Pid}):");
            Console.WriteLine(e.Message);
            Console.WriteLine($"InnerException: {e.InnerException?.GetType().FullName}: {e.InnerException?.Message}");
            Check.That(e.InnerException?.Message == "This task failed!!", "the inner exception to carry \"This task failed!!\"");
        }

        var errors = Ray.ErrorInfo();
        Console.WriteLine($"Ray.ErrorInfo(): {errors.Count} error(s)");
        foreach (var error in errors)
        {
            var firstLine = error.Message.Split('\n')[0];
            Console.WriteLine($"  {error.Time:HH:mm:ss.fff} {error.FunctionName} [{error.Type}] task {error.TaskId}: {firstLine}");
        }
        Check.That(errors.Any(e => e.Message.Contains("This task failed!!")), "Ray.ErrorInfo() to list the failure");
    }

    private static int F()
    {
        Thread.Sleep(500);
        throw new InvalidOperationException("This task failed!!");
    }
}
