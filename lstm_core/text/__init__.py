"""Raw text -> tokens -> ids: tokenizers and the vocabulary, shared by training and prediction."""
