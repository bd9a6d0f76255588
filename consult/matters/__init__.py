"""民生小实事 matters: proposals, their lifecycle, supports (附议), comments, similar-search."""
