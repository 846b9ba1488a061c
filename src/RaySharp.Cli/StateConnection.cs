using System.CommandLine;
using RaySharp.Dashboard;
using RaySharp.State;

namespace RaySharp.Cli;

/// <summary>
/// Where `raysharp list|get|summary` find the state API: --address as the dashboard's http(s) URL, or as a GCS
/// address (default: the cluster started on this machine) whose dashboard URL the GCS records; the token as
/// drivers find it, or --token.
/// </summary>
internal sealed class StateConnection
{
    public Option<string> Address { get; } = new("--address")
    {
        Description = "The dashboard's URL (http://HEAD:8265) or the GCS address (default: RAYSHARP_ADDRESS, else the cluster started on this machine).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("RAYSHARP_ADDRESS") is { Length: > 0 } fromEnvironment ? fromEnvironment : "auto",
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = "The cluster's auth token (default: RAYSHARP_AUTH_TOKEN, RAYSHARP_AUTH_TOKEN_PATH, else ~/.raysharp/auth_token).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Address);
        command.Options.Add(Token);
    }

    /// <exception cref="StateApiException">No cluster, or its head has no dashboard.</exception>
    public async Task<StateApiClient> ConnectAsync(ParseResult parse)
    {
        var address = parse.GetValue(Address)!;
        if (address.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || address.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return new StateApiClient(address, parse.GetValue(Token));
        }
        string gcsAddress;
        try
        {
            gcsAddress = Runtime.JoinedCluster.ResolveAddress(address);
        }
        catch (RayException ex)
        {
            throw new StateApiException($"No RaySharp cluster found ({ex.Message}); start one with: raysharp start --head, or pass --address.");
        }
        var (url, reason) = await DashboardAddress.ReadAsync(gcsAddress, TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        return url is null
            ? throw new StateApiException($"The cluster at {gcsAddress} serves no state API: its dashboard is {reason ?? "not recorded (is the GCS running?)"}.")
            : new StateApiClient(url, parse.GetValue(Token));
    }
}
