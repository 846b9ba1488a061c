// User types whose namespaces begin like the framework's: AsyncActorClassTests checks they count as the application's own.
namespace MicrosoftTeamsBot
{
    public sealed class ReplyActor
    {
        public Task<string> Reply(string text) => Task.FromResult(text);
    }
}

namespace SystemTools
{
    public sealed class Probe
    {
        public ValueTask<int> Ping() => ValueTask.FromResult(1);
    }
}
