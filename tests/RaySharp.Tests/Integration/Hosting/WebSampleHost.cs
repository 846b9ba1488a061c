using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace RaySharp.Tests.Integration.Hosting;

/// <summary>
/// The web sample (samples/RaySharp.WebSample) run in this process on a real Kestrel port, with extra configuration
/// (in memory) and the host's log captured. Creating it starts the host, which runs Ray.Init; disposing it stops the
/// host, which runs Ray.Shutdown. Requests go over TCP from a plain HttpClient, as from any other program.
/// </summary>
public sealed class WebSampleHost : IDisposable
{
    private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(120);

    private readonly Factory _factory;

    public WebSampleHost(IReadOnlyDictionary<string, string?> settings)
    {
        _factory = new Factory(settings, Logs);
        _factory.UseKestrel(0);
        try
        {
            _factory.StartServer();
            using var factoryClient = _factory.CreateClient();
            Address = factoryClient.BaseAddress!;
        }
        catch
        {
            _factory.Dispose();
            throw;
        }
        Client = new HttpClient { BaseAddress = Address, Timeout = s_requestTimeout };
    }

    public CapturedLogs Logs { get; } = new();

    /// <summary>Where Kestrel listens (a free port on the loopback).</summary>
    public Uri Address { get; }

    public HttpClient Client { get; }

    /// <summary>GET <paramref name="path"/>: the status code and the JSON body.</summary>
    public (int Status, JsonElement Body) Get(string path)
    {
        using var response = Client.GetAsync(path).GetAwaiter().GetResult();
        var body = response.Content.ReadFromJsonAsync<JsonElement>().GetAwaiter().GetResult();
        return ((int)response.StatusCode, body);
    }

    public void Dispose()
    {
        Client.Dispose();
        _factory.Dispose();
    }

    // Any type of the sample's assembly names the app to host (its Program is the implicit one of top-level statements).
    private sealed class Factory(IReadOnlyDictionary<string, string?> settings, CapturedLogs logs) : WebApplicationFactory<RaySharp.WebSample.SumEndpoint.SumResult>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(settings));
            builder.ConfigureLogging(logging => logging.AddProvider(logs));
        }
    }
}
