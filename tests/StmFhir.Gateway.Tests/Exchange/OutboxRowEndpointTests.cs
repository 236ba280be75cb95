using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.Extensions.DependencyInjection;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Store;
using StmFhir.Gateway.Tests.Infrastructure;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Gateway.Tests.Exchange;

/// <summary><c>GET /exchange/outbox/{id}</c>: one outbox row's delivery per target with the per-resource results, ids only.</summary>
public sealed class OutboxRowEndpointTests(GatewayFactory factory) : IClassFixture<GatewayFactory>
{
    /// <summary>A new row (a patient of its own, as the class shares one gateway), delivered to "peer"; its id.</summary>
    private async Task<long> SeedDeliveredAsync(string patientId)
    {
        var store = factory.Services.GetRequiredService<IResourceStore>();
        var committed = await store.CommitAsync(new ChangeSet(
            [new Change(ChangeMethod.Update, new Patient { Id = patientId, Name = [new HumanName { Family = "Secretname" }] })], "test"));
        var outbox = factory.Services.GetRequiredService<IOutboxStore>();
        var claim = Assert.Single(await outbox.ClaimAsync("peer", 10, DateTimeOffset.UtcNow.AddMinutes(1)), c => c.OutboxId == committed.OutboxId);
        Assert.True(await outbox.MarkDeliveredAsync(claim, [new("Patient", $"Patient/{patientId}", "peer-77", "3", "updated")]));
        return committed.OutboxId!.Value;
    }

    [Fact]
    public async Task GettingADeliveredRow_ShowsEachTargetsStateAndWhatEachResourceBecameThere_WithoutBodies()
    {
        var id = await SeedDeliveredAsync("row-endpoint-1");

        var response = await factory.ClientWithKey(GatewayFactory.ReadOnlyKey).GetAsync($"/exchange/outbox/{id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("Secretname", text, StringComparison.Ordinal);
        var root = JsonDocument.Parse(text).RootElement;
        Assert.Equal(id, root.GetProperty("outboxId").GetInt64());
        Assert.Equal("Patient", root.GetProperty("resources")[0].GetProperty("type").GetString());
        var delivery = Assert.Single(root.GetProperty("deliveries").EnumerateArray());
        Assert.Equal(("peer", "delivered", 1), (delivery.GetProperty("target").GetString(), delivery.GetProperty("state").GetString(), delivery.GetProperty("attempts").GetInt32()));
        var result = Assert.Single(delivery.GetProperty("results").EnumerateArray());
        Assert.Equal(("Patient/row-endpoint-1", "peer-77", "3", "updated"), (result.GetProperty("source").GetString(),
            result.GetProperty("targetId").GetString(), result.GetProperty("versionId").GetString(), result.GetProperty("change").GetString()));
    }

    [Fact]
    public async Task AnUnknownRow_Is404WithAnOperationOutcome_AndReadingNeedsTheReadScope()
    {
        var id = await SeedDeliveredAsync("row-endpoint-2");

        var outcome = await (await factory.ClientWithKey(GatewayFactory.ReadOnlyKey).GetAsync("/exchange/outbox/987654321")).AssertOutcomeAsync(HttpStatusCode.NotFound);

        Assert.Contains("987654321", outcome.Issue[0].Diagnostics ?? outcome.Issue[0].Details?.Text ?? "", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync($"/exchange/outbox/{id}")).StatusCode);
        await (await factory.ClientWithKey(GatewayFactory.WriteOnlyKey).GetAsync($"/exchange/outbox/{id}")).AssertOutcomeAsync(HttpStatusCode.Forbidden);
    }
}
