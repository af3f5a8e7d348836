"""Simple MNIST convnet, the Keras example (keras.io/examples/vision/mnist_convnet), on
scikit-learn's 8x8 digits so that it needs no download.

Only the import lines differ from the Keras program: ``anyloss`` stands where ``keras`` is.
The two 3x3 convolutions use ``padding="same"`` because the images are 8x8, not 28x28.
"""

import numpy as np
from sklearn.datasets import load_digits

from anyloss import layers, models, utils

utils.set_random_seed(1)

# Model / data parameters
num_classes = 10
input_shape = (8, 8, 1)

# Load the data and split it between train and test sets
digits = load_digits()
images, labels = digits.images, digits.target
order = np.random.default_rng(0).permutation(len(images))
x_train, y_train = images[order[:1500]], labels[order[:1500]]
x_test, y_test = images[order[1500:]], labels[order[1500:]]

# Scale images to the [0, 1] range
x_train = x_train.astype("float32") / 16
x_test = x_test.astype("float32") / 16
# Make sure images have shape (8, 8, 1)
x_train = np.expand_dims(x_train, -1)
x_test = np.expand_dims(x_test, -1)
print("x_train shape:", x_train.shape)
print(x_train.shape[0], "train samples")
print(x_test.shape[0], "test samples")

# convert class vectors to binary class matrices
y_train = utils.to_categorical(y_train, num_classes)
y_test = utils.to_categorical(y_test, num_classes)

model = models.Sequential(
    [
        layers.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu", padding="same"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu", padding="same"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
model.summary()

batch_size = 128
epochs = 15

model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, validation_split=0.1, verbose=2)

score = model.evaluate(x_test, y_test, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
