using System.CommandLine;
using RaySharp.Common.Security;

namespace RaySharp.Cli;

/// <summary>
/// `raysharp get-auth-token`: prints this user's cluster token (as `ray get-auth-token`), to copy to the
/// machines that join: `RAYSHARP_AUTH_TOKEN=... raysharp start --address HEAD:PORT`, or a driver's
/// RayConfig.AuthToken. --generate creates ~/.raysharp/auth_token first when there is none.
/// </summary>
internal static class GetAuthTokenCommand
{
    public static Command Create()
    {
        var generate = new Option<bool>("--generate") { Description = $"Create {AuthToken.UserTokenFile} (256 random bits, 0600) when there is none." };
        var command = new Command("get-auth-token", "Print the cluster's auth token (for nodes and drivers on other machines).") { generate };
        command.SetAction(parse =>
        {
            var token = ClusterSecurity.ResolveToken(null, createUserToken: parse.GetValue(generate));
            Console.WriteLine(token);
            return 0;
        });
        return command;
    }
}
