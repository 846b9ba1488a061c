namespace RaySharp.Samples;

// Ray Core's runtime environments: a task runs in a worker process started with the variables and the working
// directory it asks for. The directory is shipped (uploaded once, copied to each node that needs it) and becomes
// the worker's current directory, so the task reads its files by relative path.
public static class RuntimeEnvExample
{
    public static void Run(string[] args)
    {
        var data = Directory.CreateTempSubdirectory("raysharp-sample-env-");
        try
        {
            File.WriteAllLines(Path.Combine(data.FullName, "numbers.txt"), ["3", "4", "5"]);
            var env = new RuntimeEnv
            {
                EnvVars = new Dictionary<string, string> { ["SCALE"] = "10" },
                WorkingDir = data.FullName,
            };
            var total = Ray.Get(Ray.Task(SumScaled, "numbers.txt").SetRuntimeEnv(env).Remote(), TimeSpan.FromSeconds(60));
            Console.WriteLine($"sum of numbers.txt × SCALE, read in the task's working dir: {total}");
            Check.That(total == 120, "(3 + 4 + 5) × 10 = 120");
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    private static int SumScaled(string file) =>
        File.ReadAllLines(file).Sum(int.Parse) * int.Parse(Environment.GetEnvironmentVariable("SCALE")!, System.Globalization.CultureInfo.InvariantCulture);
}
