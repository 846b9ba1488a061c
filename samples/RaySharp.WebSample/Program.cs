using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using RaySharp.Hosting;
using RaySharp.WebSample;

var builder = WebApplication.CreateBuilder(args);

// Ray.Init as the app starts (settings: the "RaySharp" section of appsettings.json, RaySharp__* or RAYSHARP_ADDRESS
// in the environment), Ray.Shutdown as it stops; the driver's runtime log goes to the app's logging.
builder.Services.AddRaySharp();
builder.Services.AddHealthChecks().AddCheck<RaySharpHealthCheck>("raysharp");

var app = builder.Build();

app.MapGet("/sum", SumEndpoint.HandleAsync);
app.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = HealthJson.WriteAsync });

app.Run();
