namespace StmFhir.Exchange.Tests.Peer;

/// <summary>Test classes in this collection share one running <see cref="PeerFhirServer"/> and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PeerCollection : ICollectionFixture<PeerFhirServer>
{
    /// <summary>The collection's name, for <c>[Collection(PeerCollection.Name)]</c>.</summary>
    public const string Name = "FHIR peer";
}
