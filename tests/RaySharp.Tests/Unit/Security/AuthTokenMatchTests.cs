using RaySharp.Common.Security;

namespace RaySharp.Tests.UnitTests.Security;

/// <summary>AuthToken.Matches, the constant-time comparison every connection's token goes through.</summary>
public class AuthTokenMatchTests
{
    private const string Token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void The_same_token_matches() => Assert.True(AuthToken.Matches(new string(Token.AsSpan()), Token));

    [Fact]
    public void A_different_first_or_last_character_does_not()
    {
        Assert.False(AuthToken.Matches("1" + Token[1..], Token));
        Assert.False(AuthToken.Matches(Token[..^1] + "0", Token));
        Assert.False(AuthToken.Matches(Token[..31] + "X" + Token[32..], Token));
    }

    [Fact]
    public void Another_length_does_not_even_as_a_prefix_or_extension()
    {
        Assert.False(AuthToken.Matches(Token[..^1], Token));
        Assert.False(AuthToken.Matches(Token + "0", Token));
        Assert.False(AuthToken.Matches(Token + "\0", Token));
        Assert.False(AuthToken.Matches("", Token));
        Assert.False(AuthToken.Matches(Token, ""));
    }

    [Fact]
    public void Null_does_not() => Assert.False(AuthToken.Matches(null, Token));

    [Fact]
    public void A_non_ASCII_character_does_not_match_a_question_mark()
    {
        // Tokens are printable ASCII; a non-ASCII character must not compare equal to any of them.
        const string withQuestionMark = "????????????????????????????????";
        Assert.False(AuthToken.Matches("é???????????????????????????????", withQuestionMark));
    }

    [Fact]
    public void Empty_matches_empty() => Assert.True(AuthToken.Matches("", ""));
}
