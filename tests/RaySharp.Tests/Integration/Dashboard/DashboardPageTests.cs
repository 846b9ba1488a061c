using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Playwright;
using RaySharp.Tests.Driver;
using static Microsoft.Playwright.Assertions;

namespace RaySharp.Tests.Integration.Dashboard;

/// <summary>
/// The dashboard's pages in a real browser (headless Chromium) on a real two-node cluster: the token asked once, the
/// overview's node count and CPU total, a failed task with its remote stack trace, an actor turning DEAD on an open
/// page without a reload, the cluster events; a screenshot of every page goes to artifacts/dashboard.
/// </summary>
[Collection("Cluster")]
public class DashboardPageTests(DashboardClusterFixture fixture) : IClassFixture<DashboardClusterFixture>
{
    private static readonly float s_wait = (float)DashboardClusterFixture.Timeout.TotalMilliseconds;

    [Fact]
    public async Task The_page_asks_for_the_token_once_then_the_overview_shows_two_nodes_and_their_cpus()
    {
        var context = await fixture.Browser!.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(fixture.DashboardUrl + "/#overview");
        await Expect(page.Locator("#login")).ToBeVisibleAsync(new() { Timeout = s_wait });
        await page.FillAsync("#token", new string('a', 64));
        await page.ClickAsync("#login button");
        await Expect(page.Locator("#login-error")).ToContainTextAsync("refused", new() { Timeout = s_wait });

        await page.FillAsync("#token", DashboardClusterFixture.Token);
        await page.ClickAsync("#login button");
        await Expect(page.Locator("#nodes-alive")).ToHaveTextAsync("2", new() { Timeout = s_wait });
        await Expect(page.Locator("#nodes-dead")).ToHaveTextAsync("0", new() { Timeout = s_wait });
        // Both nodes' CPU (1 each): the total after the slash, whatever is in use right now.
        await Expect(page.Locator("#resource-CPU")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^[\d.]+ / 2$"), new() { Timeout = s_wait });

        // The cookie stays: a new page in the same browser asks for nothing.
        var again = await context.NewPageAsync();
        await again.GotoAsync(fixture.DashboardUrl + "/#nodes");
        await Expect(again.Locator("#nodes-table tr[data-node]")).ToHaveCountAsync(2, new() { Timeout = s_wait });
        Assert.False(await again.Locator("#login").IsVisibleAsync());
        await context.CloseAsync();
    }

    [Fact]
    public async Task A_task_that_throws_is_listed_under_tasks_with_its_remote_stack_trace()
    {
        var page = await fixture.SignedInPageAsync();
        await page.GotoAsync(fixture.DashboardUrl + "/#tasks");
        var failed = page.Locator("#failed-tasks tr[data-task]");
        await Expect(failed).ToHaveCountAsync(1, new() { Timeout = s_wait });
        await Expect(failed).ToContainTextAsync(nameof(StateWorkload) + "." + nameof(StateWorkload.Fails));
        await Expect(failed).ToContainTextAsync("TASK_EXECUTION_EXCEPTION");
        var stack = failed.Locator("pre.stack");
        await Expect(stack).ToContainTextAsync("System.InvalidOperationException: " + StateWorkload.FailureMessage);
        // The remote stack trace: the frame of the method that threw, in the worker.
        await Expect(stack).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"\n\s*at [\w.]*StateWorkload\.Fails\("));
        await Expect(page.Locator("#task-states")).ToContainTextAsync("FAILED 1", new() { Timeout = s_wait });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_actor_killed_from_the_test_turns_from_alive_to_dead_on_an_open_page()
    {
        // The workload's live actor (no other test needs it alive).
        var pid = int.Parse(fixture.Driver!.WaitFor("actor_pid", DashboardClusterFixture.Timeout), CultureInfo.InvariantCulture);
        var page = await fixture.SignedInPageAsync();
        await page.GotoAsync(fixture.DashboardUrl + "/#actors");
        var row = page.Locator("tr[data-actor]").Filter(new() { Has = page.Locator($"td:text-is('{pid}')") });
        await Expect(row).ToHaveAttributeAsync("data-state", "ALIVE", new() { Timeout = s_wait });
        // A mark in the page's window: a reload would wipe it.
        await page.EvaluateAsync("() => { window.keptAcrossRefreshes = 42; }");

        using (var actorProcess = Process.GetProcessById(pid))
        {
            actorProcess.Kill();
        }
        await Expect(row).ToHaveAttributeAsync("data-state", "DEAD", new() { Timeout = s_wait });
        Assert.Equal(42, await page.EvaluateAsync<int>("() => window.keptAcrossRefreshes"));
        await Expect(row).ToContainTextAsync("died");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_overview_lists_the_cluster_events_and_so_does_the_cli()
    {
        var page = await fixture.SignedInPageAsync();
        await page.GotoAsync(fixture.DashboardUrl + "/#overview");
        await Expect(page.Locator("#cluster-events tr", new() { HasText = "NODE_ADDED" })).ToHaveCountAsync(2, new() { Timeout = s_wait });
        await page.Context.CloseAsync();

        var (code, output) = CliRunner.Run(["list", "cluster-events", "--filter", "event_type=NODE_ADDED", "--format", "json", "--address", fixture.DashboardUrl]);
        Assert.True(code == 0, output);
        var events = System.Text.Json.JsonDocument.Parse(output).RootElement;
        Assert.Equal(2, events.GetArrayLength());
        Assert.All(events.EnumerateArray(), e =>
        {
            Assert.Equal("INFO", e.GetProperty("severity").GetString());
            Assert.Equal("GCS", e.GetProperty("source_type").GetString());
            Assert.Contains("joined the cluster with", e.GetProperty("message").GetString(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Every_page_draws_and_a_screenshot_of_each_is_saved()
    {
        var page = await fixture.SignedInPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        string[] names = ["overview", "nodes", "jobs", "actors", "tasks", "objects", "logs"];
        foreach (var name in names)
        {
            await page.GotoAsync($"{fixture.DashboardUrl}/#{name}");
            await Expect(page.Locator($"#page[data-page='{name}']")).ToBeVisibleAsync(new() { Timeout = s_wait });
            await Expect(page.Locator("#status")).ToContainTextAsync("updated", new() { Timeout = s_wait });
            var file = Path.Combine(DashboardClusterFixture.ArtifactDirectory, $"{name}.png");
            await page.ScreenshotAsync(new() { Path = file, FullPage = true });
            Assert.True(new FileInfo(file).Length > 0, file);
        }
        Assert.Empty(errors);
        // The nodes page shows each node's measured CPU and memory, and the driver's process under its node.
        await page.GotoAsync(fixture.DashboardUrl + "/#nodes");
        await Expect(page.Locator("#nodes-table tr[data-node]").First).ToContainTextAsync("cores", new() { Timeout = s_wait });
        await Expect(page.Locator($"#nodes-table tr[data-worker-pid='{fixture.Driver!.Process.Id}']")).ToHaveCountAsync(1, new() { Timeout = s_wait });
        // The logs view lists each node's raylet.log, and a log's link shows its lines.
        await page.GotoAsync(fixture.DashboardUrl + "/#logs");
        await Expect(page.Locator("tr[data-log='raylet.log']")).ToHaveCountAsync(2, new() { Timeout = s_wait });
        await page.Locator("tr[data-log='raylet.log'] a").First.ClickAsync();
        await Expect(page.Locator("#log-text")).ToContainTextAsync("Raylet", new() { Timeout = s_wait });
        Assert.Empty(errors);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_api_takes_the_cookie_for_reads_only_and_the_pages_need_no_token()
    {
        using var anonymous = new HttpClient();
        var index = await anonymous.GetAsync(fixture.DashboardUrl + "/");
        Assert.Equal(HttpStatusCode.OK, index.StatusCode);
        Assert.Contains("RaySharp dashboard", await index.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(fixture.DashboardUrl + "/static/app.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(fixture.DashboardUrl + "/static/nothing.js")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(fixture.DashboardUrl + "/api/v0/cluster_events")).StatusCode);

        using var withCookie = new HttpClient();
        withCookie.DefaultRequestHeaders.Add("Cookie", "raysharp_token=" + DashboardClusterFixture.Token);
        Assert.Equal(HttpStatusCode.OK, (await withCookie.GetAsync(fixture.DashboardUrl + "/api/v0/cluster_events")).StatusCode);
        // A write with only the cookie is refused: another site's page could make the browser send it.
        var stop = await withCookie.PostAsync(fixture.DashboardUrl + "/api/jobs/raysharp_none/stop", null);
        Assert.Equal(HttpStatusCode.Unauthorized, stop.StatusCode);

        using var wrongCookie = new HttpClient();
        wrongCookie.DefaultRequestHeaders.Add("Cookie", "raysharp_token=" + new string('a', 64));
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrongCookie.GetAsync(fixture.DashboardUrl + "/api/v0/nodes")).StatusCode);
    }
}
