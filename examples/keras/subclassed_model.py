"""A subclassed model, the Keras way (keras.io/guides/making_new_layers_and_models_via_
subclassing): layers as attributes, ``call(inputs, training=...)``, trained with ``fit`` on
scikit-learn's wine data.

Only the import lines differ from the Keras program: ``anyloss`` stands where ``keras`` is.
"""

import numpy as np
from sklearn.datasets import load_wine

from anyloss import callbacks, layers, models, optimizers, utils

utils.set_random_seed(1)


class MLPClassifier(models.Model):
    def __init__(self, num_classes, hidden_units=32, dropout_rate=0.2):
        super().__init__()
        self.hidden = layers.Dense(hidden_units, activation="relu")
        self.normalize = layers.BatchNormalization()
        self.dropout = layers.Dropout(dropout_rate)
        self.classifier = layers.Dense(num_classes, activation="softmax")

    def call(self, inputs, training=False):
        x = self.hidden(inputs)
        x = self.normalize(x, training=training)
        x = self.dropout(x, training=training)
        return self.classifier(x)


wine = load_wine()
order = np.random.default_rng(0).permutation(len(wine.target))
x, y = wine.data[order].astype("float32"), wine.target[order]
x_train, y_train, x_test, y_test = x[:130], y[:130], x[130:], y[130:]
mean, std = x_train.mean(axis=0), x_train.std(axis=0)
x_train, x_test = (x_train - mean) / std, (x_test - mean) / std

model = MLPClassifier(num_classes=3)
model.compile(
    optimizer=optimizers.SGD(learning_rate=0.05, momentum=0.9),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(
    x_train,
    y_train,
    batch_size=16,
    epochs=30,
    validation_split=0.2,
    callbacks=[callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3)],
    verbose=2,
)
model.summary()

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
