using Microsoft.Playwright;

namespace StmFhir.Gateway.Tests.Browser;

/// <summary>
/// Headless Chromium for the pages' tests: the machine's own browser (Debian's <c>chromium</c> package, which
/// <c>.ci/run</c> installs), driven by Playwright through its executable path, since no browser is downloaded here.
/// <c>STMFHIR_CHROMIUM</c> names another executable. One browser per test class; each test opens its own context.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    private static readonly string[] KnownPaths = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"];

    private IPlaywright? _playwright;

    /// <summary>The running browser (after <see cref="InitializeAsync"/>).</summary>
    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var executable = ExecutablePath();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // Tests run as root in CI containers, where Chromium's sandbox cannot start.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh page in its own context (no storage shared between tests), failing the test on any script error.</summary>
    public async Task<IPage> NewPageAsync(Uri baseAddress)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseAddress.ToString() });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, message) => errors.Add(message);
        page.Console += (_, message) =>
        {
            // The browser asks for /favicon.ico on its own; its 404 is not the page's doing.
            if (message.Type == "error" && !message.Location.Contains("/favicon.ico", StringComparison.Ordinal))
            {
                errors.Add($"{message.Text} ({message.Location})");
            }
        };
        ScriptErrors[page] = errors;
        return page;
    }

    /// <summary>Script errors and console errors a page reported (a content security policy refusal shows up here).</summary>
    public Dictionary<IPage, List<string>> ScriptErrors { get; } = [];

    /// <summary>Fails the test if the page reported a script or console error, quoting each one.</summary>
    public void AssertNoScriptErrors(IPage page)
    {
        var errors = ScriptErrors[page];
        Assert.True(errors.Count == 0, "The page reported errors:\n" + string.Join("\n", errors));
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }

    private static string ExecutablePath()
    {
        var configured = System.Environment.GetEnvironmentVariable("STMFHIR_CHROMIUM");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }
        return KnownPaths.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                "No Chromium found (looked in " + string.Join(", ", KnownPaths) + "). Install Debian's chromium package "
                + "(`apt-get install chromium`, as .ci/run does) or set STMFHIR_CHROMIUM to a Chromium executable.");
    }
}
