using RaySharp;

Ray.Init();
var sw = System.Diagnostics.Stopwatch.StartNew();
Console.WriteLine(Ray.Get(Ray.Task(Hello).Remote()));
Console.WriteLine($"first {sw.ElapsedMilliseconds} ms");
sw.Restart();
for (var i = 0; i < 1000; i++) { Ray.Get(Ray.Task(Hello).Remote()); }
Console.WriteLine($"1000 sync {sw.ElapsedMilliseconds} ms");
sw.Restart();
var refs = Enumerable.Range(0, 10000).Select(i => Ray.Task(Square, i).Remote()).ToList();
var s = Ray.Get(refs).Sum(x => (long)x);
Console.WriteLine($"10000 async {sw.ElapsedMilliseconds} ms sum={s}");
Ray.Shutdown();
static string Hello() { Console.WriteLine("in task"); return "Hello world !"; }
static int Square(int x) => x * x;
