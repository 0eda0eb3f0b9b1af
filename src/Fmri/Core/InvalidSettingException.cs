using System.Text.RegularExpressions;

namespace Fmri.Core;

/// <summary>
/// A setting (a command option, a config field, a method argument a user chose) whose value cannot be used. The
/// message is one line in the project's error format, <c>subject: problem</c>, where the subject is the setting and
/// its value: <c>samples 0: must be at least 1</c>.
/// <para>
/// Library code names settings by their own names (<c>samples</c>, <c>vae_training.max_train_steps</c>); the
/// command line shows the flag the user typed instead (<c>--samples 0: must be at least 1</c>, <c>--steps 0: ...</c>)
/// through <see cref="Render"/>. A problem may name other settings as <c>{name}</c>; they are rendered the same way.
/// </para>
/// </summary>
public sealed partial class InvalidSettingException : ArgumentException
{
    public InvalidSettingException(string setting, object? value, string problem, Exception? inner = null)
        : base(Format(setting, value, problem, name => name), inner)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(setting);
        Setting = setting;
        Value = value switch
        {
            null => null,
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
        Problem = problem;
    }

    /// <summary>The setting's library name, e.g. <c>samples</c> or <c>vae_training.max_train_steps</c>.</summary>
    public string Setting { get; }

    /// <summary>The value that was given, as text; null when the problem is that none was given.</summary>
    public string? Value { get; }

    /// <summary>What is wrong; other settings appear as <c>{name}</c>.</summary>
    public string Problem { get; }

    /// <summary>The message with every setting name passed through <paramref name="name"/> (e.g. to a command-line flag).</summary>
    public string Render(Func<string, string> name) => Format(Setting, Value, Problem, name);

    private static string Format(string setting, object? value, string problem, Func<string, string> name)
    {
        string subject = value is null ? name(setting) : $"{name(setting)} {value}";
        return $"{subject}: {SettingReference().Replace(problem, m => name(m.Groups[1].Value))}";
    }

    [GeneratedRegex(@"\{([a-z][a-z0-9_.]*)\}")]
    private static partial Regex SettingReference();
}
