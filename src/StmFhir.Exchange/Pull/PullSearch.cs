using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using StmFhir.Core.Mapping;
using StmFhir.Exchange.Targets;
using Task = System.Threading.Tasks.Task;

namespace StmFhir.Exchange.Pull;

/// <summary>
/// Searches at one target for a pull: a page, or every page of a search by its <c>next</c> links, which are followed only
/// under the target's base URL. An error status (after the HTTP pipeline's retries), an answer that is not a searchset,
/// or a link elsewhere stops the pull (<see cref="PullStoppedException"/>).
/// </summary>
internal sealed class PullSearch(FhirTargetClient client, Uri baseUrl)
{
    // A search of related resources reads at most this many pages: a guard against a server whose links loop.
    private const int MaxRelatedPages = 100;

    /// <summary>Every resource of a search, following its next links (also the included ones, with their search mode).</summary>
    public async Task<List<Bundle.EntryComponent>> AllEntriesAsync(string? url, CancellationToken cancellationToken)
    {
        var found = new List<Bundle.EntryComponent>();
        for (var pages = 0; url is not null && pages < MaxRelatedPages; pages++)
        {
            var page = await PageAsync(url, cancellationToken).ConfigureAwait(false);
            found.AddRange(page.Entry.Where(e => e.Resource is not null and not OperationOutcome));
            url = NextLink(page);
        }
        return found;
    }

    public async Task<List<Resource>> AllAsync(string url, CancellationToken cancellationToken) =>
        [.. (await AllEntriesAsync(url, cancellationToken).ConfigureAwait(false)).Select(e => e.Resource!)];

    public async Task<Bundle> PageAsync(string relativeUrl, CancellationToken cancellationToken)
    {
        var response = await client.SendAsync(HttpMethod.Get, relativeUrl, null, cancellationToken).ConfigureAwait(false);
        var what = relativeUrl.Split('?')[0];
        if (!response.IsSuccess)
        {
            throw new PullStoppedException($"searching {what} answered {response.Status}");
        }
        try
        {
            return FhirJson.Deserialize<Bundle>(Encoding.UTF8.GetString(response.Body)) is { Type: Bundle.BundleType.Searchset } bundle
                ? bundle
                : throw new PullStoppedException($"searching {what} did not answer with a searchset Bundle");
        }
        catch (Exception e) when (e is DeserializationFailedException or JsonException or InvalidCastException)
        {
            throw new PullStoppedException($"searching {what} did not answer with FHIR JSON");
        }
    }

    /// <summary>The page's <c>next</c> link relative to the base, or null; a link to another server stops the pull.</summary>
    public string? NextLink(Bundle page)
    {
        if (page.Link.FirstOrDefault(l => l.Relation == "next")?.Url is not { Length: > 0 } link)
        {
            return null;
        }
        // Credentials go with every request to the target: a link elsewhere must not be followed.
        if (!Uri.TryCreate(link, UriKind.Absolute, out var uri)
            || Uri.Compare(uri, baseUrl, UriComponents.SchemeAndServer, UriFormat.SafeUnescaped, StringComparison.OrdinalIgnoreCase) != 0
            || !uri.AbsolutePath.StartsWith(baseUrl.AbsolutePath, StringComparison.Ordinal))
        {
            throw new PullStoppedException($"a next link leaves the target's base URL {baseUrl}; it was not followed");
        }
        return uri.PathAndQuery[baseUrl.AbsolutePath.Length..];
    }
}

/// <summary>The target answered something a pull cannot go on from; the message names no resource content.</summary>
internal sealed class PullStoppedException(string message) : Exception(message);
