"""Text classification with an Embedding and a bidirectional LSTM, the Keras way
(keras.io/examples/nlp/bidirectional_lstm_imdb), on generated reviews so that it needs no
download: a review is positive when it holds more words of the positive vocabulary than of the
negative one.

Only the import lines differ from the Keras program: ``anyloss`` stands where ``keras`` is.
"""

import numpy as np

from anyloss import layers, models, utils

utils.set_random_seed(1)

max_features = 2000  # Only consider the top 2k words
maxlen = 32  # Only consider the first 32 words of each review


def generate_reviews(n, rng):
    positive, negative = np.arange(10, 60), np.arange(60, 110)
    reviews, labels = [], []
    for _ in range(n):
        length = rng.integers(8, 40)
        words = rng.integers(110, max_features, size=length)
        n_pos, n_neg = rng.integers(0, 5, size=2)
        if n_pos == n_neg:
            n_pos += 1
        slots = rng.choice(length, size=min(length, n_pos + n_neg), replace=False)
        words[slots[:n_pos]] = rng.choice(positive, size=len(slots[:n_pos]))
        words[slots[n_pos:]] = rng.choice(negative, size=len(slots[n_pos:]))
        reviews.append(words.tolist())
        labels.append(int(n_pos > n_neg))
    return reviews, np.array(labels)


rng = np.random.default_rng(0)
x_train, y_train = generate_reviews(1200, rng)
x_val, y_val = generate_reviews(400, rng)
print(len(x_train), "Training sequences")
print(len(x_val), "Validation sequences")
# Keep the first 32 words; pad shorter reviews with 0 (masked by the Embedding)
x_train = utils.pad_sequences(x_train, maxlen=maxlen, truncating="post")
x_val = utils.pad_sequences(x_val, maxlen=maxlen, truncating="post")

# Input for variable-length sequences of integers
inputs = layers.Input(shape=(None,), dtype="int32")
# Embed each integer in a 16-dimensional vector
x = layers.Embedding(max_features, 16, mask_zero=True)(inputs)
# Add a bidirectional LSTM
x = layers.Bidirectional(layers.LSTM(16))(x)
# Add a classifier
outputs = layers.Dense(1, activation="sigmoid")(x)
model = models.Model(inputs, outputs)
model.summary()

model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=32, epochs=5, validation_data=(x_val, y_val), verbose=2)

score = model.evaluate(x_val, y_val, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
