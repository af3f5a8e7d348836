"""A two-input, two-output functional model, the Keras way (keras.io/guides/functional_api,
"Models with multiple inputs and outputs"): rank support tickets by priority and route them
to a department from the ticket's title and its tags, with a loss per output and
``loss_weights``. The tickets are generated so that it needs no download.

Only the import lines differ from the Keras program: ``anyloss`` stands where ``keras`` is.
"""

import numpy as np

from anyloss import layers, losses, models, optimizers, utils

utils.set_random_seed(1)

num_tags = 12  # Number of unique issue tags
num_words = 1000  # Size of vocabulary obtained when preprocessing text data
num_departments = 4  # Number of departments for predictions

title_input = layers.Input(shape=(None,), name="title")  # Variable-length sequence of ints
tags_input = layers.Input(shape=(num_tags,), name="tags")  # Binary vectors of size `num_tags`

# Embed each word in the title into a 32-dimensional vector
title_features = layers.Embedding(num_words, 32)(title_input)
# Reduce sequence of embedded words in the title into a single 32-dimensional vector
title_features = layers.LSTM(32)(title_features)
# Merge all available features into a single large vector via concatenation
x = layers.Concatenate()([title_features, tags_input])
# Stick a logistic regression for priority prediction on top of the features
priority_pred = layers.Dense(1, name="priority")(x)
# Stick a department classifier on top of the features
department_pred = layers.Dense(num_departments, name="department")(x)

# Instantiate an end-to-end model predicting both priority and department
model = models.Model(
    inputs=[title_input, tags_input],
    outputs={"priority": priority_pred, "department": department_pred},
)
model.summary()

model.compile(
    optimizer=optimizers.RMSprop(1e-3),
    loss={
        "priority": losses.BinaryCrossentropy(from_logits=True),
        "department": losses.CategoricalCrossentropy(from_logits=True),
    },
    loss_weights={"priority": 1.0, "department": 0.2},
    metrics={"priority": ["accuracy"], "department": ["accuracy"]},
)

# Generated tickets: urgent words in the title make a ticket a priority; its tags decide
# its department
rng = np.random.default_rng(0)
samples = 2000
title_data = rng.integers(20, num_words, size=(samples, 10))
urgent = rng.random(samples) < 0.4
title_data[urgent, rng.integers(0, 10, size=urgent.sum())] = rng.integers(1, 20, urgent.sum())
tags_data = (rng.random((samples, num_tags)) < 0.2).astype("float32")
department = tags_data.reshape(samples, num_departments, -1).sum(axis=-1).argmax(axis=-1)
priority_targets = urgent.astype("float32")[:, None]
dept_targets = utils.to_categorical(department, num_departments)

model.fit(
    {"title": title_data[:1600], "tags": tags_data[:1600]},
    {"priority": priority_targets[:1600], "department": dept_targets[:1600]},
    epochs=8,
    batch_size=32,
    verbose=2,
)

score = model.evaluate(
    {"title": title_data[1600:], "tags": tags_data[1600:]},
    {"priority": priority_targets[1600:], "department": dept_targets[1600:]},
    return_dict=True,
    verbose=0,
)
print("Test loss:", score["loss"])
print("Test priority accuracy:", score["priority_accuracy"])
print("Test department accuracy:", score["department_accuracy"])
