"""Analysis: what the detection results mean under doubt.

Between ``detection`` (exact passages of the recorded tracks) and ``report`` (documents and
pictures): comparisons of contested tracks (``compare``), checks of published claims against the
real boundary (``claims``), the probability that a passage really happened given the source's
position error (``probability``, ``position_error``), and what a set of surveillance sites could
see (``coverage``). Built on ``airspace``, ``tracks`` and ``detection`` only; nothing here reads
the register or draws.
"""
