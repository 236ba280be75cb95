using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Utility;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Outbox;
using StmFhir.Exchange.Push;
using StmFhir.Exchange.Store;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Tests.Outbox;

/// <summary>
/// The Bundles the dispatcher builds for rows claimed together, from a real SQLite store: each row's own resources and
/// people, entries that carry the stored JSON on a skeleton resource, and a row that cannot be read failing alone.
/// </summary>
public sealed class OutboxBundlesTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "stmfhir-bundles-" + Guid.NewGuid().ToString("N"));
    private IResourceStore _store = null!;

    private StorageOptions Storage => new() { DataDirectory = _folder };

    public async Task InitializeAsync()
    {
        _store = ResourceStores.Create(Storage, TimeProvider.System);
        await _store.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await ((IAsyncDisposable)_store).DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private static Patient Patient(string id) => new() { Id = id, Identifier = [new Identifier("https://example-hospital.org/mrn", id.ToUpperInvariant())] };

    private static Observation Observation(string id, string patient) => new()
    {
        Id = id, Status = ObservationStatus.Final, Code = new CodeableConcept("http://loinc.org", "72514-3"), Subject = new ResourceReference($"Patient/{patient}"),
    };

    private async Task<OutboxPayload> CommitAsync(params Resource[] resources)
    {
        var result = await _store.CommitAsync(new ChangeSet([.. resources.Select(r => new Change(ChangeMethod.Update, r))], "test"));
        var entry = await _store.Outbox().GetAsync(result.OutboxId ?? throw new InvalidOperationException("no outbox row"));
        return new OutboxPayload(entry!.Resources);
    }

    [Fact]
    public async Task RowsBuiltTogether_EachHaveTheirOwnResources_AndThePeopleTheyReferTo()
    {
        var first = await CommitAsync(Patient("p1"), Observation("o1", "p1"));
        var second = await CommitAsync(Patient("p2"), Observation("o2", "p2"));
        // A known patient's new session: the commit does not write the patient, the Bundle still has it.
        var third = await CommitAsync(Observation("o3", "p1"));

        var built = await OutboxBundles.BuildAllAsync(_store, [first, second, third], default);

        Assert.All(built, b => Assert.Null(b.Error));
        Assert.Equal(
            [["Patient/p1", "Observation/o1"], ["Patient/p2", "Observation/o2"], ["Observation/o3", "Patient/p1"]],
            built.Select(b => b.Bundle!.Entry.Select(e => e.FullUrl).ToList()));
        var patient = built[2].Bundle!.Entry[1];
        Assert.Equal((Bundle.HTTPVerb.POST, "Patient", "identifier=https://example-hospital.org/mrn|P1"), (patient.Request!.Method!.Value, patient.Request.Url, patient.Request.IfNoneExist));
    }

    [Fact]
    public async Task EntryResource_IsASkeletonOfTypeIdAndIdentifier_CarryingTheStoredJson()
    {
        var row = await CommitAsync(Patient("p1"), Observation("o1", "p1"));
        var stored = await _store.ReadAsync("Observation", "o1");

        var bundle = await OutboxBundles.BuildAsync(_store, row, default);

        var observation = Assert.IsType<Observation>(bundle.Entry[1].Resource);
        Assert.Equal("o1", observation.Id);
        Assert.Null(observation.Code); // not read: the deliverer writes the stored JSON
        Assert.Equal(stored!.Json, Encoding.UTF8.GetString(observation.Annotation<SerializedResource>()!.Utf8Json));
        var patient = Assert.IsType<Patient>(bundle.Entry[0].Resource);
        Assert.Equal("P1", Assert.Single(patient.Identifier).Value);
        Assert.Equal("identifier=https://example-hospital.org/mrn|P1", DeliveryPlan.IdentifierCondition(patient));
    }

    [Fact]
    public async Task ResourceNestedAboutAThousandJsonLevels_IsStoredBuiltAndWrittenIntoTheTransaction()
    {
        // 500 nested extensions, about 1,000 levels of JSON: as deep as the gateway accepts from XML (FhirJson.MaxDepth),
        // far past System.Text.Json's default of 64 that the store, the outbox and the writer read with before.
        const int levels = 500;
        var patient = Patient("p1");
        Extension inner = new("http://example.org/deep", new FhirString("bottom"));
        for (var i = 1; i < levels; i++)
        {
            inner = new Extension { Url = "http://example.org/deep", Extension = [inner] };
        }
        patient.Extension = [inner];
        var row = await CommitAsync(patient);

        var built = await OutboxBundles.BuildAllAsync(_store, [row], default);
        Assert.Null(built[0].Error);
        var entry = Assert.Single(built[0].Bundle!.Entry);
        using var writer = new DeliveryBundleWriter("transaction");
        writer.Write(entry.FullUrl!, entry.Resource!.Annotation<SerializedResource>()!.Utf8Json, "p1", r => r, "PUT", "Patient/p1", null);

        var sent = Assert.IsType<Patient>(JsonSerializer.Deserialize<Bundle>(writer.ToArray(), FhirJson.Strict)!.Entry[0].Resource);
        var depth = 0;
        for (var extension = sent.Extension.SingleOrDefault(); extension is not null; extension = extension.Extension.SingleOrDefault())
        {
            depth++;
            if (extension.Value is FhirString bottom)
            {
                Assert.Equal("bottom", bottom.Value);
            }
        }
        Assert.Equal(levels, depth);
    }

    [Fact]
    public async Task RowWithAnUnreadableStoredResource_FailsAlone()
    {
        var good = await CommitAsync(Patient("p1"), Observation("o1", "p1"));
        var bad = await CommitAsync(Patient("p2"), Observation("o2", "p2"));
        await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Storage.SqlitePath}"))
        {
            await connection.OpenAsync();
            await using var corrupt = connection.CreateCommand();
            corrupt.CommandText = "UPDATE resource_versions SET json = '{not json' WHERE type = 'Observation' AND id = 'o2'";
            Assert.Equal(1, await corrupt.ExecuteNonQueryAsync());
        }

        var built = await OutboxBundles.BuildAllAsync(_store, [good, bad], default);

        Assert.Equal(2, built[0].Bundle!.Entry.Count);
        Assert.Null(built[1].Bundle);
        Assert.NotNull(built[1].Error);
    }
}
