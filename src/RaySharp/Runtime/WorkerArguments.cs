using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using RaySharp.Common.Ids;

namespace RaySharp.Runtime;

/// <summary>
/// The command line a raylet starts a worker with (see the raylet's WorkerPool and WorkerStartInfo),
/// parsed with System.CommandLine like the CLI's: every option required but --app-dir, ids checked,
/// anything unknown refused with a message rather than ignored.
/// </summary>
internal static class WorkerArguments
{
    private static readonly Option<UniqueId> s_workerId = new("--worker-id") { Required = true, CustomParser = ParseId, Description = "This worker's id (hex)." };
    private static readonly Option<UniqueId> s_nodeId = new("--node-id") { Required = true, CustomParser = ParseId, Description = "The id of the node that started it (hex)." };
    private static readonly Option<string> s_raylet = new("--raylet") { Required = true, Description = "The raylet's endpoint." };
    private static readonly Option<string> s_gcs = new("--gcs") { Required = true, Description = "The GCS's endpoint." };
    private static readonly Option<string> s_socketDir = new("--socket-dir") { Required = true, Description = "The session's socket directory." };
    private static readonly Option<string?> s_appDir = new("--app-dir") { Description = "The driver's application directory." };
    private static readonly Option<string?> s_rayletWire = new("--raylet-wire") { Description = "Where the raylet serves its own workers over the RaySharp wire protocol." };

    /// <summary>The options, for the message a wrong command line gets.</summary>
    public const string Usage = "--worker-id, --node-id, --raylet, --gcs, --socket-dir, --app-dir and --raylet-wire";

    private static readonly RootCommand s_command = new("A RaySharp worker process.") { s_workerId, s_nodeId, s_raylet, s_gcs, s_socketDir, s_appDir, s_rayletWire };

    public static ParseResult Parse(string[] args) => s_command.Parse(args);

    /// <summary>The core worker's options and the application directory, from a command line that parsed without errors.</summary>
    public static (CoreWorkerOptions Options, string? AppDir) Read(ParseResult parse) => (new CoreWorkerOptions
    {
        IsDriver = false,
        WorkerId = parse.GetValue(s_workerId),
        NodeId = parse.GetValue(s_nodeId),
        RayletEndpoint = parse.GetRequiredValue(s_raylet),
        GcsEndpoint = parse.GetRequiredValue(s_gcs),
        SocketDirectory = parse.GetRequiredValue(s_socketDir),
        RayletWireEndpoint = parse.GetValue(s_rayletWire),
    }, parse.GetValue(s_appDir));

    private static UniqueId ParseId(ArgumentResult result)
    {
        var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
        if (UInt128.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
        {
            return new UniqueId(value);
        }
        result.AddError($"{result.Parent?.ToString() ?? "An id"} must be a hexadecimal id, not '{text}'.");
        return default;
    }
}
