using System.Security.Cryptography;
using System.Text;
using StmFhir.Exchange.Store;

namespace StmFhir.Exchange.Tests.Store;

/// <summary>
/// The content hash decides whether a re-sent resource changed anything, and databases already hold hashes: the sliced
/// hashing must give exactly the SHA-256 of the whole UTF-8, whatever the text and wherever a slice ends.
/// </summary>
public sealed class ResourceJsonTests
{
    public static TheoryData<string> Texts()
    {
        var emoji = "\ud83d\ude00";
        return new TheoryData<string>
        {
            "",
            "{\"resourceType\":\"Patient\",\"id\":\"a\"}",
            new string('a', 16 * 1024 - 1) + emoji + "tail",        // a surrogate pair across the first slice boundary
            string.Concat(Enumerable.Repeat("\u00e9\u4e2d" + emoji, 20_000)), // two-, three- and four-byte characters over many slices
            new string('x', 16 * 1024) + "\ud800" + "lone",          // a lone surrogate: replaced as GetBytes replaces it
            new string('b', 3 * 16 * 1024),                          // ends exactly on a slice boundary
        };
    }

    [Theory]
    [MemberData(nameof(Texts))]
    public void Hash_EqualsTheSha256OfTheWholeUtf8(string text) =>
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))), ResourceJson.Hash(text));
}
