using StmFhir.Tests.Shared;

namespace StmFhir.Exchange.Tests.Architecture;

/// <summary>
/// The folders of StmFhir.Exchange depend on each other in one direction only (docs/ARCHITECTURE.md): Store and
/// Telemetry on none of the others, Targets on Telemetry, Audit, Conflicts and Outcomes on Store, Push on Targets, Pull on Conflicts, Store, Targets and Telemetry,
/// Outbox on Conflicts, Store, Push, Targets and Telemetry, and the
/// root (which puts them together) on all. A cycle would mean a concept that cannot be read, changed or tested alone.
/// </summary>
public sealed class FolderDependencyTests
{
    private static readonly string s_project = RepoRoot.Combine("src", "StmFhir.Exchange");

    private static IReadOnlyDictionary<string, SortedSet<string>> ExchangeGraph() =>
        FolderDependencies.Of("StmFhir.Exchange", Directory.GetFiles(s_project, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(s_project, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("bin/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal))
            .ToDictionary(f => f, f => File.ReadAllText(Path.Combine(s_project, f)), StringComparer.Ordinal));

    [Fact]
    public void TheFoldersOfExchangeHaveNoCycle()
    {
        var graph = ExchangeGraph();

        var cycle = FolderDependencies.FindCycle(graph);

        Assert.True(cycle is null, "Folders of StmFhir.Exchange refer to each other in a cycle: " + string.Join(" -> ", cycle ?? []));
    }

    [Fact]
    public void EachFolderOfExchangeDependsOnlyOnTheFoldersItIsDocumentedToUse()
    {
        var graph = ExchangeGraph();

        Assert.Equal([FolderDependencies.Root, "Audit", "Conflicts", "Outbox", "Outcomes", "Pull", "Push", "Store", "Targets", "Telemetry"], graph.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Store"], graph["Audit"]);
        Assert.Equal(["Store"], graph["Outcomes"]);
        Assert.Empty(graph["Store"]);
        Assert.Empty(graph["Telemetry"]);
        Assert.Equal(["Telemetry"], graph["Targets"]);
        Assert.Equal(["Store"], graph["Conflicts"]);
        Assert.Equal(["Targets"], graph["Push"]);
        Assert.Equal(["Conflicts", "Store", "Targets", "Telemetry"], graph["Pull"]);
        Assert.Equal(["Conflicts", "Push", "Store", "Targets", "Telemetry"], graph["Outbox"]);
    }

    [Theory]
    [InlineData("using StmFhir.Exchange.Outbox;\nnamespace StmFhir.Exchange.Store;\nclass A;")]
    [InlineData("namespace StmFhir.Exchange.Store;\nclass A { StmFhir.Exchange.Outbox.OutboxStore? B; }")]
    [InlineData("namespace StmFhir.Exchange.Store;\nclass A { Outbox.OutboxStore? B; }")]
    [InlineData("namespace StmFhir.Exchange.Store;\n/// <see cref=\"Outbox.OutboxStore\"/>\nclass A;")]
    public void AReferenceFromStoreToOutboxIsFound_AndMakesACycle(string store)
    {
        var graph = FolderDependencies.Of("StmFhir.Exchange", new Dictionary<string, string>
        {
            ["Store/A.cs"] = store,
            ["Outbox/OutboxStore.cs"] = "using StmFhir.Exchange.Store;\nnamespace StmFhir.Exchange.Outbox;\nclass OutboxStore { A? A; }",
        });

        Assert.Equal(["Outbox"], graph["Store"]);
        Assert.Equal(["Outbox", "Store", "Outbox"], FolderDependencies.FindCycle(graph));
    }

    [Fact]
    public void ARootTypeNamedInAFolderIsADependencyOnTheRoot_ButNotInACommentOrAString()
    {
        var graph = FolderDependencies.Of("StmFhir.Exchange", new Dictionary<string, string>
        {
            ["ResourceStores.cs"] = "namespace StmFhir.Exchange;\nstatic class ResourceStores;",
            ["Store/A.cs"] = "namespace StmFhir.Exchange.Store;\n// made by ResourceStores\nclass A { string B = \"ResourceStores.Create\"; }",
            ["Pull/P.cs"] = "namespace StmFhir.Exchange.Pull;\nclass P { object C = ResourceStores.Create(); }",
        });

        Assert.Empty(graph["Store"]);
        Assert.Equal([FolderDependencies.Root], graph["Pull"]);
    }

    [Fact]
    public void APropertyNamedLikeAFolderIsNoReferenceToIt()
    {
        var graph = FolderDependencies.Of("StmFhir.Exchange", new Dictionary<string, string>
        {
            ["Targets/T.cs"] = "namespace StmFhir.Exchange.Targets;\nclass T { int N => options.Pull.PageSize + Pull.PageSize; }",
            ["Pull/PullRun.cs"] = "namespace StmFhir.Exchange.Pull;\nclass PullRun;",
        });

        Assert.Empty(graph["Targets"]);
    }
}
