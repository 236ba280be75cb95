using StmFhir.Exchange.Tests.Peer;

namespace StmFhir.Gateway.Tests.Exchange;

/// <summary>The dispatcher's end-to-end behaviour on the embedded default, a SQLite file in a temp folder per store.</summary>
[Collection(PeerCollection.Name)]
public sealed class SqliteOutboxDispatchTests(PeerFhirServer peer) : OutboxDispatchBehaviour(peer)
{
    private readonly List<string> _folders = [];

    private protected override Task<Dictionary<string, string?>> NewStorageAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "stmfhir-outbox-" + Guid.NewGuid().ToString("N"));
        _folders.Add(folder);
        return Task.FromResult(new Dictionary<string, string?> { ["Storage:DataDirectory"] = folder });
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var folder in _folders.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
