using System.Globalization;
using System.Text;

namespace StmFhir.Core.Validation;

/// <summary>
/// Keeps messages readable whatever the input: a value quoted in a message (by the parser, the validator or StmFhir's
/// own checks) is cut to <see cref="MaxValueLength"/> characters with its full length, so a 4 MB bad value is not
/// sent back whole.
/// </summary>
public static class MessageText
{
    /// <summary>The longest value kept whole in a message. The default is 100 characters.</summary>
    public const int MaxValueLength = 100;

    /// <summary>The longest message kept whole (a message can quote several values). The default is 2,000 characters.</summary>
    public const int MaxMessageLength = 2_000;

    // Longer than "… (2147483647 characters)".
    private const int Slack = 30;

    /// <summary>
    /// The value itself when short, else its first <see cref="MaxValueLength"/> characters, an ellipsis and its length.
    /// A value at most 30 characters longer is kept, so shortening twice changes nothing.
    /// </summary>
    public static string Value(string value) =>
        value.Length <= MaxValueLength + Slack
            ? value
            : string.Create(CultureInfo.InvariantCulture, $"{value.AsSpan(0, MaxValueLength)}… ({value.Length} characters)");

    /// <summary>
    /// The message with every quoted value ('...' or "...") and every run of characters without white space longer
    /// than <see cref="MaxValueLength"/> shortened, and the whole cut to <see cref="MaxMessageLength"/>. A short
    /// message is returned as is, without allocating.
    /// </summary>
    public static string Shorten(string message)
    {
        if (message.Length <= MaxValueLength)
        {
            return message;
        }
        var result = new StringBuilder(Math.Min(message.Length, MaxMessageLength + 40));
        var i = 0;
        while (i < message.Length && result.Length < MaxMessageLength)
        {
            var c = message[i];
            var close = c is '\'' or '"' ? message.IndexOf(c, i + 1) : -1;
            if (close > i + MaxValueLength + Slack)
            {
                result.Append(c).Append(Value(message[(i + 1)..close])).Append(c);
                i = close + 1;
                continue;
            }
            var end = i;
            while (end < message.Length && !char.IsWhiteSpace(message[end]) && end - i <= MaxValueLength + Slack)
            {
                end++;
            }
            if (end - i > MaxValueLength + Slack)
            {
                while (end < message.Length && !char.IsWhiteSpace(message[end]))
                {
                    end++;
                }
                result.Append(Value(message[i..end]));
                i = end;
                continue;
            }
            result.Append(message, i, Math.Max(1, end - i));
            i += Math.Max(1, end - i);
        }
        if (i < message.Length)
        {
            result.Append(CultureInfo.InvariantCulture, $"… ({message.Length} characters)");
        }
        return result.ToString();
    }
}
