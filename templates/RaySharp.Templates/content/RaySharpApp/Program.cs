using RaySharp;
using RaySharpApp;

// A local cluster for this program: a GCS, a raylet and worker processes. To join a running cluster
// instead: Ray.Init(new RayConfig { Address = "HEAD_IP:6379" }).
Ray.Init();
try
{
    // A task: a static method run in a worker process. Remote() returns a future at once.
    ObjectRef<long>[] squares = [.. Enumerable.Range(1, 4).Select(i => Ray.Task(Work.Square, (long)i).Remote())];
    // Futures go wherever values go: this task runs once all four are ready.
    ObjectRef<long> total = Ray.Task(Work.Sum, squares).Remote();
    Console.WriteLine($"Sum of squares: {Ray.Get(total)}");

    // An actor: an object in a worker process of its own; its methods run one at a time, in call order.
    using ActorHandle<Counter> counter = Ray.Actor(() => new Counter()).Remote();
    for (var i = 0; i < 3; i++)
    {
        counter.Task(c => c.Increment()).Remote();
    }
    Console.WriteLine($"Counter: {Ray.Get(counter.Task(c => c.Increment()).Remote())}");
}
finally
{
    Ray.Shutdown();
}
