namespace RaySharp.Samples;

// Seed example 3: a remote function returning "Hello world !", fetched with Ray.Get.
public static class HelloWorld
{
    public static void Run(string[] args)
    {
        ObjectRef<string> objectRef = Ray.Task(Hello).Remote();   // returns at once; the task runs in a worker
        var hello = Ray.Get(objectRef);                             // blocks until the result is there
        Console.WriteLine(hello);
        Check.That(hello == "Hello world !", $"\"Hello world !\", got \"{hello}\"");
    }

    private static string Hello() => "Hello world !";
}
