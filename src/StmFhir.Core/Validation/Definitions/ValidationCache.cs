using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace StmFhir.Core.Validation.Definitions;

/// <summary>
/// Where the engine keeps what it computes ahead of use (core definitions split out of specification.zip, profiles
/// with generated snapshots). Every entry lives in a folder named by a hash of everything it was computed from (the
/// input files, the SDK and validator versions, <see cref="FormatVersion"/>), so a changed profile or SDK is a new
/// folder and never a stale answer. Entries are written to a temporary folder and renamed into place when complete.
/// </summary>
internal static class ValidationCache
{
    /// <summary>Bump when the layout or the content of cache entries changes.</summary>
    public const int FormatVersion = 1;

    /// <summary>The SDK and validator versions the cached artefacts depend on.</summary>
    public static string ToolVersions { get; } = string.Join(";",
        Version(typeof(Hl7.Fhir.Model.Patient)), Version(typeof(Hl7.Fhir.Specification.Snapshot.SnapshotGenerator)),
        Version(typeof(Firely.Fhir.Validation.Validator)), Version(typeof(Firely.Fhir.Validation.ElementSchema)),
        "format" + FormatVersion);

    /// <summary>
    /// A hex SHA-256 over the tool versions, the <paramref name="recipe"/> (what StmFhir's own code does to the
    /// input, bumped when that changes), the given files' names relative to <paramref name="root"/> and their bytes.
    /// </summary>
    public static string Key(string root, IEnumerable<string> files, string recipe = "")
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(ToolVersions));
        if (recipe.Length > 0)
        {
            hash.AppendData(Encoding.UTF8.GetBytes("\0recipe:" + recipe));
        }
        foreach (var file in files.Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes("\0" + Path.GetRelativePath(root, file).Replace('\\', '/') + "\0"));
            hash.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }

    /// <summary>
    /// Runs <paramref name="write"/> into a fresh temporary folder and moves it to <paramref name="target"/>, replacing
    /// a target that exists but is not <paramref name="isComplete"/> (a crash mid-way); false if that failed.
    /// </summary>
    public static bool TryPublish(string target, Action<string> write, Func<string, bool> isComplete)
    {
        if (Directory.Exists(target) && !isComplete(target))
        {
            TryDelete(target);
        }
        var staging = target + ".tmp-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            Directory.CreateDirectory(staging);
            write(staging);
            if (Directory.Exists(target))
            {
                // Another process published the same entry first; its content is the same.
                Directory.Delete(staging, recursive: true);
                return true;
            }
            Directory.Move(staging, target);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(staging);
            return Directory.Exists(target);
        }
    }

    /// <summary>
    /// Holds an exclusive lock on <c>&lt;entry&gt;.lock</c> until disposed, across processes; waits up to five minutes
    /// for another holder, then goes on without the lock (the entry is still published atomically).
    /// </summary>
    public static IDisposable Lock(string entry)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(entry)!);
                return new FileStream(entry + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new MemoryStream();
            }
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leftover staging folders are harmless.
        }
    }

    private static string Version(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? type.Assembly.GetName().Version?.ToString() ?? "?";
}
