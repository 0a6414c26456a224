"""What every feature's cog shares: answers and the error policy, embeds, custom ids, and
the page presenter. Not an extension: it has no cog of its own."""
