using System.ComponentModel;
using System.Diagnostics;

namespace StmFhir.Core.Tests.Repository;

/// <summary>
/// The repository's own text files, as paths relative to its root with '/' separators: the files git tracks, or, where
/// git cannot answer (no git, an exported tree), every file under the root except build output, installed packages and
/// git's own folder. Binary files are left out.
/// </summary>
internal static class RepositoryFiles
{
    private static readonly Lazy<IReadOnlyList<string>> s_text = new(FindTextFiles);

    // Folders that hold what a build, a test run or a package install made, never the repository's own files.
    private static readonly HashSet<string> s_notOurs = new(StringComparer.Ordinal)
    {
        ".git", "bin", "obj", "node_modules", "TestResults", "BenchmarkDotNet.Artifacts",
    };

    /// <summary>Every text file of the repository, sorted.</summary>
    public static IReadOnlyList<string> Text => s_text.Value;

    /// <summary>The full path of a repository-relative path.</summary>
    public static string FullPath(string relative) => Path.Combine(RepoPaths.Root, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>True when <paramref name="fullPath"/> is the root or a path below it.</summary>
    public static bool IsInside(string fullPath)
    {
        var root = Path.GetFullPath(RepoPaths.Root).TrimEnd(Path.DirectorySeparatorChar);
        var path = Path.GetFullPath(fullPath).TrimEnd(Path.DirectorySeparatorChar);
        return path == root || path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    private static List<string> FindTextFiles() =>
        [.. (Tracked() ?? Walked()).Where(f => File.Exists(FullPath(f)) && !IsBinary(FullPath(f))).Order(StringComparer.Ordinal)];

    private static List<string>? Tracked()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "ls-files -z")
            {
                WorkingDirectory = RepoPaths.Root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (git is null)
            {
                return null;
            }
            var output = git.StandardOutput.ReadToEnd();
            git.StandardError.ReadToEnd();
            git.WaitForExit();
            return git.ExitCode == 0 ? [.. output.Split('\0', StringSplitOptions.RemoveEmptyEntries)] : null;
        }
        catch (Win32Exception)
        {
            // No git on this machine: walk the tree instead.
            return null;
        }
    }

    private static List<string> Walked()
    {
        var files = new List<string>();
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(RepoPaths.Root)]);
        while (pending.Count > 0)
        {
            var dir = pending.Pop();
            foreach (var sub in dir.EnumerateDirectories().Where(d => !s_notOurs.Contains(d.Name)))
            {
                pending.Push(sub);
            }
            files.AddRange(dir.EnumerateFiles().Select(f => Path.GetRelativePath(RepoPaths.Root, f.FullName).Replace(Path.DirectorySeparatorChar, '/')));
        }
        return files;
    }

    private static bool IsBinary(string path)
    {
        using var stream = File.OpenRead(path);
        var head = new byte[8000];
        var read = stream.Read(head, 0, head.Length);
        return Array.IndexOf(head, (byte)0, 0, read) >= 0;
    }
}
