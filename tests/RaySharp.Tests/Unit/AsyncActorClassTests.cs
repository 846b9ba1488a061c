using Microsoft.Extensions.Hosting;
using RaySharp.Runtime;

namespace RaySharp.Tests.UnitTests;

/// <summary>Which classes run as async actors (an event loop, calls interleaving at awaits): Ray's rule, any async method.</summary>
public class AsyncActorClassTests
{
    public class SyncBase
    {
        public int Get() => 1;
    }

    public class AsyncBase
    {
        public Task<int> GetAsync() => Task.FromResult(1);
    }

    public sealed class DerivedFromAsync : AsyncBase
    {
        public int Plain() => 2;
    }

    public sealed class DerivedFromSync : SyncBase
    {
        public int Plain() => 2;
    }

    public sealed class OwnValueTask
    {
        public ValueTask Tick() => ValueTask.CompletedTask;
    }

    [Fact]
    public void An_async_method_makes_an_async_actor_even_when_inherited()
    {
        Assert.True(ActorExecutor.IsAsyncClass(typeof(AsyncBase)));
        Assert.True(ActorExecutor.IsAsyncClass(typeof(DerivedFromAsync)));
        Assert.True(ActorExecutor.IsAsyncClass(typeof(OwnValueTask)));
    }

    [Fact]
    public void A_class_without_async_methods_is_a_sync_actor()
    {
        Assert.False(ActorExecutor.IsAsyncClass(typeof(SyncBase)));
        Assert.False(ActorExecutor.IsAsyncClass(typeof(DerivedFromSync)));
    }

    /// <summary>A hosted service: its async StartAsync/StopAsync come from the framework's base class.</summary>
    public sealed class Service : BackgroundService
    {
        public int Count() => 1;

        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
    }

    [Fact]
    public void A_framework_base_class_does_not_make_an_async_actor()
    {
        Assert.False(ActorExecutor.IsAsyncClass(typeof(Service)));
    }

    [Fact]
    public void A_user_namespace_that_starts_like_the_frameworks_is_the_applications_own()
    {
        Assert.True(ActorExecutor.IsAsyncClass(typeof(MicrosoftTeamsBot.ReplyActor)));
        Assert.True(ActorExecutor.IsAsyncClass(typeof(SystemTools.Probe)));
    }
}
