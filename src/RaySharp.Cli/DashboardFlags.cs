using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using RaySharp.Dashboard;

namespace RaySharp.Cli;

/// <summary>
/// The head's dashboard flags, as Ray's `ray start --head`: --include-dashboard, --dashboard-host (loopback by
/// default: the job API runs commands, so opening it to the network is the user's decision) and --dashboard-port.
/// `start` checks them and hands them on to the GCS process, which hosts the dashboard.
/// </summary>
internal sealed class DashboardFlags
{
    private readonly Option<bool> _include = new("--include-dashboard")
    {
        Description = "Head only: serve the dashboard (the job API) from the GCS process (default true; '--include-dashboard false' turns it off).",
        DefaultValueFactory = _ => true,
    };

    private readonly Option<string> _host = new("--dashboard-host")
    {
        Description = "Head only: the address the dashboard listens on (default 127.0.0.1; 0.0.0.0 opens it to the network).",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    private readonly Option<int> _port = new("--dashboard-port")
    {
        Description = $"Head only: the dashboard's port (default {DashboardOptions.DefaultPort}).",
        DefaultValueFactory = _ => DashboardOptions.DefaultPort,
    };

    /// <summary>Where the dashboard listens.</summary>
    public sealed record Settings(string Host, int Port)
    {
        /// <summary>The flags that give the same settings to another raysharp command.</summary>
        public IEnumerable<string> ToArguments() => ["--dashboard-host", Host, "--dashboard-port", Port.ToString(CultureInfo.InvariantCulture)];
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_include);
        command.Options.Add(_host);
        command.Options.Add(_port);
    }

    /// <summary>The errors of these flags; <paramref name="head"/>: whether the command starts a head (the only node with a dashboard).</summary>
    public void Validate(CommandResult result, bool head)
    {
        var given = new Option[] { _include, _host, _port }.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (!head && given.Count > 0)
        {
            result.AddError($"{string.Join(", ", given)}: the dashboard runs on the head; give these with --head.");
        }
        if (result.GetValue(_host) is { } host && host is not "localhost" && !IPAddress.TryParse(host, out _))
        {
            result.AddError($"--dashboard-host must be an IP address such as 127.0.0.1 or 0.0.0.0, not '{host}'.");
        }
        if (result.GetValue(_port) is < 0 or > 65535)
        {
            result.AddError($"--dashboard-port must be 0–65535, not {result.GetValue(_port)}.");
        }
    }

    /// <summary>The settings, or null with --include-dashboard false.</summary>
    public Settings? Resolve(ParseResult parse) => parse.GetValue(_include) ? new Settings(parse.GetValue(_host)!, parse.GetValue(_port)) : null;
}
