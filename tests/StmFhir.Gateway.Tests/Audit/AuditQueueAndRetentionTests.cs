using System.Net;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Exchange.Audit;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Audit;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Audit;

/// <summary>The audit trail's settings: a full queue drops and counts, retention purges, the switch, and checks at start.</summary>
public sealed class AuditQueueAndRetentionTests
{
    [Fact]
    public async Task FullQueue_DropsNewRecordsCountsThemAndWarnsWithoutHoldingRequestsBack()
    {
        await using var factory = new GatewayFactory();
        // The writer waits a minute after the first record: the queue of 100 fills and stays full during the test.
        factory.Settings["Audit:QueueCapacity"] = "100";
        factory.Settings["Audit:FlushInterval"] = "00:01:00";
        var client = factory.ClientWithKey();

        for (var i = 0; i < 130; i++)
        {
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/fhir/Patient/full-{i}")).StatusCode);
        }

        var queue = factory.Services.GetRequiredService<AuditQueue>();
        Assert.Equal(30, queue.Dropped);
        await factory.StopAsync();
        Assert.Contains("Audit queue full", factory.ReadLogs(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_WritesWhatIsStillQueued()
    {
        await using var factory = new GatewayFactory();
        factory.Settings["Audit:FlushInterval"] = "00:01:00";
        var client = factory.ClientWithKey();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/fhir/Patient/at-stop")).StatusCode);
        var store = factory.Services.GetRequiredService<IResourceStore>();
        var writer = factory.Services.GetRequiredService<AuditWriter>();

        await writer.StopAsync(CancellationToken.None);

        var page = await store.Audit().SearchAsync(new AuditQuery(10, 0) { Patients = ["Patient/at-stop"] });
        Assert.Equal(1, page.Total);
    }

    [Fact]
    public async Task Purge_RemovesRecordsPastTheRetentionAndKeepsNewerOnes()
    {
        await using var factory = new GatewayFactory();
        factory.Settings["Audit:RetentionDays"] = "30";
        var store = factory.Services.GetRequiredService<IResourceStore>();
        var now = DateTimeOffset.UtcNow;
        AuditRecord Record(string id, int daysAgo) => new(id, now.AddDays(-daysAgo), "R", "read", 0, "tests", ["Patient/old"], $"{{\"resourceType\":\"AuditEvent\",\"id\":\"{id}\"}}");
        await store.Audit().WriteAsync([Record("old-1", 31), Record("old-2", 400), Record("recent", 29)]);

        var purged = await factory.Services.GetRequiredService<AuditWriter>().PurgeAsync(CancellationToken.None);

        Assert.Equal(2, purged);
        var left = await store.Audit().SearchAsync(new AuditQuery(10, 0) { Patients = ["Patient/old"] });
        Assert.Equal("recent", Assert.Single(left.Records).Id);
        Assert.Null(await store.Audit().ReadAsync("old-1"));
    }

    [Fact]
    public async Task AuditRecords_NeverReachTheOutbox()
    {
        await using var factory = new GatewayFactory();
        var client = factory.ClientWithKey();
        var session = await client.PostAsync("/stm/sessions", Http.Json(StmFhir.Tests.Shared.SessionJson.Text("AUD-OUTBOX"), "application/json"));
        Assert.Equal(HttpStatusCode.Created, session.StatusCode);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/fhir/Procedure?identifier=AUD-OUTBOX")).StatusCode);
        }
        await factory.Services.GetRequiredService<AuditWriter>().StopAsync(CancellationToken.None);
        var store = factory.Services.GetRequiredService<IResourceStore>();

        Assert.Equal(6, (await store.Audit().SearchAsync(new AuditQuery(10, 0))).Total);
        Assert.NotNull(await store.Outbox().GetAsync(1));
        Assert.Null(await store.Outbox().GetAsync(2));
    }

    [Fact]
    public async Task AuditOff_RecordsNothing()
    {
        await using var factory = new GatewayFactory();
        factory.Settings["Audit:Enabled"] = "false";
        Assert.Equal(HttpStatusCode.NotFound, (await factory.ClientWithKey().GetAsync("/fhir/Patient/off")).StatusCode);
        var writer = factory.Services.GetRequiredService<AuditWriter>();

        await writer.DrainAsync(CancellationToken.None);

        var page = await factory.Services.GetRequiredService<IResourceStore>().Audit().SearchAsync(new AuditQuery(10, 0));
        Assert.Equal(0, page.Total);
    }

    [Theory]
    [InlineData("Audit:QueueCapacity", "10")]
    [InlineData("Audit:BatchSize", "0")]
    [InlineData("Audit:FlushInterval", "00:05:00")]
    [InlineData("Audit:RetentionDays", "0")]
    public void BadSetting_StopsTheStartNamingIt(string key, string value)
    {
        using var factory = new GatewayFactory();
        factory.Settings[key] = value;

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains(key, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CapabilityStatement_ListsAuditEventWithReadAndSearchOnly()
    {
        await using var factory = new GatewayFactory();

        var statement = await (await factory.CreateClient().GetAsync("/fhir/metadata")).ReadFhirAsync<CapabilityStatement>();

        var audit = Assert.Single(statement.Rest[0].Resource, r => r.Type == "AuditEvent");
        Assert.Equal([CapabilityStatement.TypeRestfulInteraction.Read, CapabilityStatement.TypeRestfulInteraction.SearchType],
            audit.Interaction.Select(i => i.Code!.Value).Order());
        Assert.Contains(audit.SearchParam, p => p.Name == "patient");
    }
}
